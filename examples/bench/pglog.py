#!/usr/bin/env python3
"""Reads the statements one role ran from a PostgreSQL `jsonlog` file written with
`log_min_duration_statement = 0`, for examples/bench/run.sh.

  pglog.py count   LOG USER                      number of statements executed
  pglog.py show    LOG USER                      the statements and their parameters, as text
  pglog.py pgbench LOG USER ID MAX BARE TX       writes two pgbench scripts:
      BARE: `\\set n random(1, MAX)` and the request's query (the longest statement that is not
            BEGIN/COMMIT/SET or the `SELECT set_config(…)` of the request settings),
      TX:   the same `\\set` and every statement in order (BEGIN …; set_config …; query; COMMIT).
      Bound parameters are inlined as `'value'::text` literals (the server binds text), except a
      parameter whose value is ID, which becomes `(:n::text)` so pgbench varies it like wrk does.
      A value with `:name` in it (pgbench would substitute a variable there, even inside quotes)
      becomes an `E'…'` literal with each colon written `\x3a`.

Only the `execute` step of extended-protocol statements and simple-protocol `statement:` lines
count; `parse`/`bind` lines are the same statement's earlier steps.
"""
import json
import re
import sys

MESSAGE = re.compile(r"^duration: [0-9.]+ ms  (?:execute [^:]*|statement): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", re.S)
PLACEHOLDER = re.compile(r"\$(\d+)(?!\d)")
PGBENCH_VARIABLE = re.compile(r"(?<!:):[A-Za-z0-9_]")
# What every request sends around its query: transaction control and the per-request settings.
PLUMBING = re.compile(r"^\s*(begin|commit|rollback|start transaction|set\s|select\s+set_config\()", re.I)


def statements(path, user):
    found = []
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("user") != user:
                continue
            match = MESSAGE.match(record.get("message", ""))
            if not match:
                continue
            params = {}
            detail = record.get("detail", "")
            if detail.startswith("parameters: "):
                for p in PARAM.finditer(detail):
                    value = None if p.group(2) == "NULL" else p.group(3).replace("''", "'")
                    params[int(p.group(1))] = value
            found.append((match.group(1).strip().rstrip(";"), params))
    return found


def inline(sql, params, id_value):
    def replace(match):
        k = int(match.group(1))
        if k not in params:
            raise SystemExit(f"pglog.py: no logged value for ${k} in: {sql[:200]}")
        value = params[k]
        if value is None:
            return "NULL"
        if id_value is not None and value == id_value:
            return "(:n::text)"
        literal = value.replace("'", "''")
        if PGBENCH_VARIABLE.search(literal):
            # pgbench reads `:name` as a variable even inside quotes: spell every colon \x3a
            literal = literal.replace("\\", "\\\\").replace(":", "\\x3a")
            return f"E'{literal}'::text"
        return f"'{literal}'::text"

    return PLACEHOLDER.sub(replace, sql)


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    command, path, user = argv[0], argv[1], argv[2]
    found = statements(path, user)
    if command == "count":
        print(len(found))
    elif command == "show":
        for sql, params in found:
            print(sql + ";")
            if params:
                print("  -- " + ", ".join(f"${k} = {v!r}" for k, v in sorted(params.items())))
    elif command == "pgbench":
        id_value, maximum, bare_path, tx_path = argv[3], argv[4], argv[5], argv[6]
        if not found:
            raise SystemExit("pglog.py: no statements captured")
        header = f"\\set n random(1, {maximum})\n"
        bodies = [inline(sql, params, id_value) for sql, params in found]
        queries = [body for body in bodies if not PLUMBING.match(body)]
        if not queries:
            raise SystemExit("pglog.py: only transaction control and settings were captured")
        with open(bare_path, "w", encoding="utf-8") as bare:
            bare.write(header + max(queries, key=len) + ";\n")
        with open(tx_path, "w", encoding="utf-8") as tx:
            tx.write(header + "".join(body + ";\n" for body in bodies))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
