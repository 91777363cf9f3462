// A real, certified OpenID provider (panva's `oidc-provider`, installed in .ci/node) for the OIDC sign-in tests.
//
//   OIDC_TEST_CONFIG='{"clients":[...],"accounts":{"<sub>":{claims}}}' node provider.mjs <node_modules dir>
//
// Listens on a free loopback port and prints one line, `READY <issuer>`, once it answers. Accounts are fixed: the
// devInteractions login form takes the account id as the login (any password); consent is pre-agreed for every
// client (a first-party identity platform), so after the login the browser goes straight back to the client.
// PKCE (S256) is required of every client. Signing key: a fresh RSA key each start.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.argv[2];
const { default: Provider } = await import(pathToFileURL(join(modules, 'oidc-provider', 'lib', 'index.js')).href);
const config = JSON.parse(process.env.OIDC_TEST_CONFIG);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-1', alg: 'RS256', use: 'sig' };

const server = createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const scopes = ['openid', 'profile', 'phone', 'employee'];
const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['oidc-test-cookie-key'] },
  scopes,
  claims: {
    openid: ['sub'],
    profile: ['name'],
    phone: ['phone_number', 'phone_number_verified'],
    employee: ['employee_number'],
  },
  findAccount: async (ctx, id) => {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(scopes.join(' '));
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true, methods: ['S256'] },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><title>oidc error</title><pre id="error">${out.error}: ${out.error_description}</pre>`;
  },
});
provider.proxy = false;
server.on('request', provider.callback());
process.stdout.write(`READY ${issuer}\n`);
process.on('SIGTERM', () => { server.close(); process.exit(0); });
