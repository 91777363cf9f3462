"""A real OpenLDAP server for the directory sign-in tests: Debian's slapd in a temporary folder, on a loopback port.

The folder gets a generated slapd.conf (mdb database, the ppolicy overlay so that an account can be locked in the
directory), a test CA and a server certificate made with openssl (for StartTLS), and the people of `PEOPLE_LDIF`
loaded with slapadd before the server starts. Nothing outside the folder is touched.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

SUFFIX = "dc=example,dc=cn"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret-1"  # noqa: S105 - a throwaway server's, in a temporary folder
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"

PEOPLE_LDIF = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups

dn: ou=policies,{SUFFIX}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,{SUFFIX}
objectClass: person
objectClass: pwdPolicy
cn: default
sn: policy
pwdAttribute: userPassword
pwdLockout: TRUE
pwdMaxFailure: 0

dn: uid=wangzg,{PEOPLE}
objectClass: inetOrgPerson
uid: wangzg
cn:: 546L6IGM5bel
sn:: 546L
employeeNumber: A1001
mobile: 13912345678
mail: wang.zg@example.cn
userPassword: dir-pass-wang

dn: uid=lisj,{PEOPLE}
objectClass: inetOrgPerson
uid: lisj
cn:: 5p2O5Lmm6K6w
sn:: 5p2O
mobile: +86 139-0000-2222
mail: li.sj@example.cn
userPassword: dir-pass-li

dn: uid=zhaoyh,{PEOPLE}
objectClass: inetOrgPerson
uid: zhaoyh
cn:: 6LW16L+c6Iiq
sn:: 6LW1
employeeNumber: A9999
mail: zhao@example.cn
userPassword: dir-pass-zhao

dn: uid=locked,{PEOPLE}
objectClass: inetOrgPerson
uid: locked
cn: locked
sn: locked
employeeNumber: A1001
userPassword: dir-pass-locked
pwdAccountLockedTime: 000001010000Z

dn: uid=sysadm,{PEOPLE}
objectClass: inetOrgPerson
uid: sysadm
cn: sysadm
sn: sysadm
employeeNumber: S0001
userPassword: dir-pass-sys

dn: cn=inspectors,{GROUPS}
objectClass: groupOfNames
cn: inspectors
member: uid=wangzg,{PEOPLE}

dn: cn=secretaries,{GROUPS}
objectClass: groupOfNames
cn: secretaries
member: uid=lisj,{PEOPLE}
member: uid=wangzg,{PEOPLE}
"""

SLAPD_CONF = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
modulepath {modules}
moduleload back_mdb
moduleload ppolicy
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
TLSCACertificateFile {dir}/ca.pem
TLSCertificateFile {dir}/server.pem
TLSCertificateKeyFile {dir}/server.key

database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {dir}/db
overlay ppolicy
ppolicy_default "cn=default,ou=policies,{suffix}"
ppolicy_use_lockout
access to attrs=userPassword by anonymous auth by self read by * none
access to * by * read
"""


def slapd_available() -> bool:
    return (
        importlib.util.find_spec("django_auth_ldap") is not None
        and os.access(SLAPD, os.X_OK)
        and os.access(SLAPADD, os.X_OK)
        and (SCHEMA / "core.schema").exists()
    )


def require_slapd() -> None:
    """Skip without slapd, except in CI, where a missing slapd is a failure (.ci/run installs it)."""
    if slapd_available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            "slapd or django-auth-ldap is not installed: CI must run the directory sign-in tests "
            "(apt-get install slapd libldap2-dev libsasl2-dev; pip install -e '.[test,ldap]')"
        )
    pytest.skip(
        "the directory sign-in tests need a real server and the [ldap] extra: apt-get install slapd libldap2-dev "
        "libsasl2-dev, then pip install -e '.[test,ldap]'"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=60)  # noqa: S603


def _make_certificates(folder: Path) -> None:
    _run(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=netconduct test CA", "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _run(
        "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr", cwd=folder,
    )  # fmt: skip
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    )
    _run(
        "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem", cwd=folder,
    )  # fmt: skip
    # A second CA that signed nothing here: trusting only it must make StartTLS fail.
    _run(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=some other CA", "-keyout", "other.key", "-out", "other-ca.pem", cwd=folder,
    )  # fmt: skip
    (folder / "server.key").chmod(0o600)


@dataclass
class Slapd:
    folder: Path
    port: int
    tls_port: int
    process: subprocess.Popen

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_uri(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    @property
    def ca_file(self) -> str:
        return str(self.folder / "ca.pem")

    @property
    def other_ca_file(self) -> str:
        return str(self.folder / "other-ca.pem")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def slapd_start() -> Slapd:
    folder = Path(tempfile.mkdtemp(prefix="nc-slapd-"))
    (folder / "db").mkdir()
    _make_certificates(folder)
    conf = folder / "slapd.conf"
    conf.write_text(
        SLAPD_CONF.format(
            schema=SCHEMA, modules=MODULES, dir=folder, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD
        )
    )
    (folder / "people.ldif").write_text(PEOPLE_LDIF, encoding="utf-8")
    _run(SLAPADD, "-f", str(conf), "-l", str(folder / "people.ldif"), cwd=folder)
    port, tls_port = _free_port(), _free_port()
    process = subprocess.Popen(  # noqa: S603
        [SLAPD, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/", "-d", "0"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Slapd(folder=folder, port=port, tls_port=tls_port, process=process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("slapd did not start listening within 20 seconds")
