"""SQL for the append-only log, shared by migration 0002 and the SQLite post-migrate check.

AuditEntry allows one UPDATE per row: the sealer filling seq/prev_hash/entry_hash on an unsealed
row, with every other column unchanged. SQLite drops a table's triggers whenever a migration
rebuilds the table, so on SQLite they are (re)installed after every migrate as well.
"""

PG_SQL = """
CREATE OR REPLACE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '操作日志只能追加，不能修改或删除 (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_entry_allow_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq IS NOT NULL
       OR NEW.seq IS NULL
       OR (NEW.id, NEW.created_at, NEW.actor_id, NEW.actor_label, NEW.actor_role, NEW.ip, NEW.user_agent,
           NEW.action, NEW.object_type, NEW.object_id, NEW.object_label, NEW.before::text, NEW.after::text,
           NEW.data::text, NEW.result, NEW.message)
          IS DISTINCT FROM
          (OLD.id, OLD.created_at, OLD.actor_id, OLD.actor_label, OLD.actor_role, OLD.ip, OLD.user_agent,
           OLD.action, OLD.object_type, OLD.object_id, OLD.object_label, OLD.before::text, OLD.after::text,
           OLD.data::text, OLD.result, OLD.message)
    THEN
        RAISE EXCEPTION '操作日志只能追加，不能修改或删除 (UPDATE on %)', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_allow_seal_only();
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_reject_change();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
CREATE TRIGGER login_entry_no_update BEFORE UPDATE OR DELETE ON audit_loginentry
    FOR EACH ROW EXECUTE FUNCTION audit_reject_change();
CREATE TRIGGER login_entry_no_truncate BEFORE TRUNCATE ON audit_loginentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_no_delete ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS login_entry_no_update ON audit_loginentry;
DROP TRIGGER IF EXISTS login_entry_no_truncate ON audit_loginentry;
DROP FUNCTION IF EXISTS audit_entry_allow_seal_only();
DROP FUNCTION IF EXISTS audit_reject_change();
"""

SQLITE_SQL = [
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
       WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL
         OR NEW.action IS NOT OLD.action OR NEW.before IS NOT OLD.before OR NEW.after IS NOT OLD.after
         OR NEW.data IS NOT OLD.data OR NEW.actor_id IS NOT OLD.actor_id OR NEW.created_at IS NOT OLD.created_at
         OR NEW.object_id IS NOT OLD.object_id OR NEW.result IS NOT OLD.result OR NEW.message IS NOT OLD.message
       BEGIN SELECT RAISE(ABORT, '操作日志只能追加，不能修改或删除'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, '操作日志只能追加，不能修改或删除'); END""",
    """CREATE TRIGGER IF NOT EXISTS login_entry_no_update BEFORE UPDATE ON audit_loginentry
       BEGIN SELECT RAISE(ABORT, '操作日志只能追加，不能修改或删除'); END""",
    """CREATE TRIGGER IF NOT EXISTS login_entry_no_delete BEFORE DELETE ON audit_loginentry
       BEGIN SELECT RAISE(ABORT, '操作日志只能追加，不能修改或删除'); END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("audit_entry_no_update", "audit_entry_no_delete", "login_entry_no_update", "login_entry_no_delete")
]


def install_sqlite_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for statement in SQLITE_SQL:
            cursor.execute(statement)
