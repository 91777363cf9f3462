"""Signed checkpoints against a database owner: rows deleted, edited, re-ordered, or the whole chain recomputed."""

import json
import os
import stat

import pytest
from django.core.management import call_command
from django.db import connection

from netconduct.core.audit import audit_verify, compute_hash
from netconduct.core.checkpoints import checkpoint_make, checkpoint_private_key, checkpoint_write
from netconduct.core.models import AuditEvent
from netconduct.testing import grant, make_account, make_person

pytestmark = pytest.mark.django_db


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # a DB owner bypassing triggers
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _recompute_chain() -> None:
    """What an owner who knows the algorithm does after an edit: rehash every event in order and move the head."""
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("seq"):
        event.prev_hash = prev
        event.hash = compute_hash(event)
        _raw(
            "UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    last = AuditEvent.objects.order_by("-seq").first()
    _raw("UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", [last.seq, last.hash])


@pytest.fixture
def checkpoint_file(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    return checkpoint_write(checkpoint_make(), tmp_path / "cp.json")


def _verify(*files, capsys):
    args = []
    for f in files:
        args += ["--checkpoint", str(f)]
    with pytest.raises(SystemExit) as exc:
        call_command("audit-verify", *args)
    out = capsys.readouterr()
    return exc.value.code, out.err


def test_checkpoint_is_signed_head_and_key_is_private(org, tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path / "data"
    call_command("audit-checkpoint")
    out = capsys.readouterr().out
    body = json.loads(out[: out.rindex("}") + 1])
    last = AuditEvent.objects.order_by("-seq").first()
    assert (body["seq"], body["hash"]) == (last.seq, last.hash)
    assert {"time", "signature", "key_fingerprint"} <= body.keys()
    written = list((tmp_path / "data" / "audit" / "checkpoints").glob("*.json"))
    assert len(written) == 1 and json.loads(written[0].read_text())["signature"] == body["signature"]
    key_file = tmp_path / "data" / "audit" / "checkpoint_key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    call_command("audit-verify", "--checkpoint", str(written[0]))
    assert "与审计链一致" in capsys.readouterr().out


def test_later_events_keep_an_old_checkpoint_valid(org, checkpoint_file, capsys):
    make_person(org.branch1, name="赵六")
    call_command("audit-verify", "--checkpoint", str(checkpoint_file))
    assert "与审计链一致" in capsys.readouterr().out


def test_deleted_newest_events_with_head_moved_back_are_named(org, checkpoint_file, capsys):
    cp = json.loads(checkpoint_file.read_text())
    last = AuditEvent.objects.order_by("-seq").first()
    prev = AuditEvent.objects.get(seq=last.seq - 1)
    _raw("DELETE FROM core_auditevent WHERE id = %s", [last.pk])
    _raw("UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", [prev.seq, prev.hash])
    assert audit_verify().ok  # the chain alone cannot tell
    code, err = _verify(checkpoint_file, capsys=capsys)
    assert code != 0
    assert str(checkpoint_file) in err and f"#{cp['seq']}" in err and "不存在" in err


def test_edited_event_is_named_against_checkpoint(org, checkpoint_file, capsys):
    target = AuditEvent.objects.get(seq=3)
    _raw("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    code, err = _verify(checkpoint_file, capsys=capsys)
    assert code != 0 and str(checkpoint_file) in err and "第一个不符的事件：#3" in err


def test_reordered_events_are_named(org, checkpoint_file, capsys):
    a, b = AuditEvent.objects.get(seq=2), AuditEvent.objects.get(seq=3)
    _raw("UPDATE core_auditevent SET seq = %s WHERE id = %s", [999999, a.pk])
    _raw("UPDATE core_auditevent SET seq = %s WHERE id = %s", [2, b.pk])
    _raw("UPDATE core_auditevent SET seq = %s WHERE id = %s", [3, a.pk])
    code, err = _verify(checkpoint_file, capsys=capsys)
    assert code != 0 and str(checkpoint_file) in err and "第一个不符的事件：#2" in err


def test_recomputed_chain_passes_alone_but_not_against_checkpoint(org, checkpoint_file, capsys):
    cp = json.loads(checkpoint_file.read_text())
    target = AuditEvent.objects.get(seq=4)
    _raw("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    _recompute_chain()
    assert audit_verify().ok  # the owner's rewrite holds together on its own
    code, err = _verify(checkpoint_file, capsys=capsys)
    assert code != 0
    assert str(checkpoint_file) in err and f"事件 #{cp['seq']} 的哈希与检查点不符" in err


def test_recomputed_chain_narrowed_by_an_earlier_checkpoint(org, tmp_path, checkpoint_file, capsys):
    make_person(org.branch1, name="赵六")
    later = checkpoint_write(checkpoint_make(), tmp_path / "later.json")
    seq = json.loads(later.read_text())["seq"]
    target = AuditEvent.objects.get(seq=seq)
    _raw("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    _recompute_chain()
    code, err = _verify(checkpoint_file, later, capsys=capsys)
    assert code != 0
    assert str(later) in err and str(checkpoint_file) not in err


def test_forged_or_foreign_checkpoint_is_refused(org, checkpoint_file, capsys):
    body = json.loads(checkpoint_file.read_text())
    body["hash"] = "f" * 64
    checkpoint_file.write_text(json.dumps(body))
    code, err = _verify(checkpoint_file, capsys=capsys)
    assert code != 0 and "签名无效" in err


def test_broken_chain_is_not_signed(org, tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path / "data"
    _raw("UPDATE core_auditevent SET action = %s WHERE seq = 1", ["x"])
    with pytest.raises(SystemExit):
        call_command("audit-checkpoint")
    assert "不生成检查点" in capsys.readouterr().err


def test_configured_key_is_used(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    generated = checkpoint_private_key()
    settings.NETCONDUCT_AUDIT_CHECKPOINT_KEY = str(tmp_path / "data" / "audit" / "checkpoint_key.pem")
    assert checkpoint_make()["key_fingerprint"] == checkpoint_make()["key_fingerprint"]
    settings.NETCONDUCT_AUDIT_CHECKPOINT_KEY = str(tmp_path / "missing.pem")
    with pytest.raises(Exception, match="找不到"):
        checkpoint_make()
    assert generated


def test_deleting_an_account_that_acted_keeps_the_chain(org, tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path / "data"
    user = make_account("acting_admin")
    grant(user, "unit_admin", org.plant)
    make_person(org.branch1, actor=user, name="赵六")
    acted = AuditEvent.objects.filter(actor_ref=user.pk)
    assert acted.exists()
    cp = checkpoint_write(checkpoint_make(), tmp_path / "cp.json")
    user_pk = user.pk
    user.delete()
    assert not AuditEvent.objects.filter(actor_id=user_pk).exists()
    event = acted.filter(action="person.create").get()
    assert event.actor_id is None and event.actor_label  # the label stays, the link is empty
    assert audit_verify().ok
    call_command("audit-verify", "--checkpoint", str(cp))
    assert "与审计链一致" in capsys.readouterr().out


def test_verifying_elsewhere_with_the_public_key_alone(org, tmp_path, settings, checkpoint_file, capsys):
    from cryptography.hazmat.primitives import serialization

    public = (
        checkpoint_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "public.pem").write_bytes(public)
    settings.DATA_DIR = tmp_path / "elsewhere"  # a machine without the private key
    with pytest.raises(SystemExit):
        call_command("audit-verify", "--checkpoint", str(checkpoint_file))
    assert "找不到审计检查点密钥" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere" / "audit" / "checkpoint_key.pem").exists()  # none made up
    call_command(
        "audit-verify", "--checkpoint", str(checkpoint_file), "--public-key", str(tmp_path / "public.pem")
    )
    assert "与审计链一致" in capsys.readouterr().out
