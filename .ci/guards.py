#!/usr/bin/env python3
"""House rules the compiler cannot check (issue 11), run by .ci/run:

1. Every SQL statement lives in src/db/ (no sqlx::query* / COPY / raw SQL keywords in a string
   literal elsewhere in src/).
2. No status literal outside src/db/ and src/domain/ grows: the files that still compare statuses
   as strings are listed in .ci/guard-baseline.json with their count; a count may only fall, and a
   file not listed may have none. (The ratchet ends at zero when every status is an enum.)
3. No function in src/web/ grows beyond its baseline length, and no new function exceeds 60 lines.
4. One version each of sqlx, axum, tokio, askama, tower-sessions in the dependency graph.

`--plant` shows each guard failing on a planted violation (used once to prove them).
`--update` rewrites the baseline after a change that lowered counts; it refuses to raise one
unless `--force` is given (say why in the commit).
"""
import json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = os.path.join(ROOT, ".ci", "guard-baseline.json")
STATUSES = ["draft", "submitted", "received", "forwarded", "prefecture_approved", "approved",
            "rejected", "returned", "withdrawn", "pending", "matched", "unmatched",
            "birth_date_mismatch", "held", "applied", "committed", "late"]
STATUS_RE = re.compile(r'"(%s)"' % "|".join(STATUSES))
SQL_RE = re.compile(r'sqlx::(query|query_as|query_scalar|raw_sql)\b|"\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|COPY)\s')
FN_RE = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(async\s+)?fn\s+(\w+)')
LIMIT = 60
SINGLE = ["sqlx", "axum", "tokio", "askama", "tower-sessions"]


def rust_files(under):
    for base, _, files in os.walk(os.path.join(ROOT, under)):
        for f in sorted(files):
            if f.endswith(".rs"):
                yield os.path.relpath(os.path.join(base, f), ROOT)


def code_lines(path):
    """Lines outside `#[cfg(test)] mod tests` and comments."""
    out, in_tests = [], False
    for n, line in enumerate(open(os.path.join(ROOT, path), encoding="utf-8"), 1):
        if line.startswith("#[cfg(test)]"):
            in_tests = True
        if in_tests:
            continue
        if line.lstrip().startswith("//"):
            continue
        out.append((n, line))
    return out


def sql_outside_db():
    bad = []
    for path in rust_files("src"):
        if path.startswith("src/db/") or path == "src/web/middleware/query_count.rs":
            continue
        for n, line in code_lines(path):
            if SQL_RE.search(line):
                bad.append(f"{path}:{n}: SQL outside src/db/: {line.strip()[:90]}")
    return bad


def status_counts():
    counts = {}
    for path in rust_files("src"):
        if path.startswith(("src/db/", "src/domain/")):
            continue
        c = sum(len(STATUS_RE.findall(line)) for _, line in code_lines(path))
        if c:
            counts[path] = c
    return counts


def function_lengths():
    lengths = {}
    for path in rust_files("src/web"):
        lines = code_lines(path)
        i = 0
        while i < len(lines):
            m = FN_RE.match(lines[i][1])
            if not m:
                i += 1
                continue
            indent = len(lines[i][1]) - len(lines[i][1].lstrip())
            start = lines[i][0]
            j = i + 1
            while j < len(lines):
                text = lines[j][1]
                if text.strip() == "}" and len(text) - len(text.lstrip()) == indent:
                    break
                j += 1
            end = lines[j][0] if j < len(lines) else lines[-1][0]
            lengths[f"{path}::{m.group(4)}"] = max(lengths.get(f"{path}::{m.group(4)}", 0), end - start + 1)
            i = j + 1
    return lengths


def duplicate_core_crates():
    out = subprocess.run(["cargo", "tree", "-e", "normal,build", "--prefix", "none"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    versions = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in SINGLE:
            versions.setdefault(parts[0], set()).add(parts[1])
    return [f"{name}: more than one version in the build: {sorted(v)}"
            for name, v in sorted(versions.items()) if len(v) > 1]


def check(baseline):
    problems = sql_outside_db()
    allowed = baseline.get("status_literals", {})
    for path, c in sorted(status_counts().items()):
        if c > allowed.get(path, 0):
            problems.append(f"{path}: {c} status string literals (allowed {allowed.get(path, 0)}); "
                            "use the status enum (src/domain/) instead")
    long_allowed = baseline.get("long_functions", {})
    for name, n in sorted(function_lengths().items()):
        if n > max(LIMIT, long_allowed.get(name, 0)):
            problems.append(f"{name}: {n} lines (limit {max(LIMIT, long_allowed.get(name, 0))}); "
                            "move the rule to domain/ or the use case to app/")
    problems += duplicate_core_crates()
    return problems


def main():
    baseline = json.load(open(BASELINE)) if os.path.exists(BASELINE) else {}
    if "--update" in sys.argv:
        new = {"status_literals": status_counts(),
               "long_functions": {k: v for k, v in function_lengths().items() if v > LIMIT}}
        for key in new:
            for k, v in new[key].items():
                old = baseline.get(key, {}).get(k)
                if baseline and (old is None or v > old) and "--force" not in sys.argv:
                    sys.exit(f"refusing to raise the baseline: {key} {k} {old} -> {v}")
        json.dump(new, open(BASELINE, "w"), indent=1, sort_keys=True, ensure_ascii=False)
        print(f"baseline: {sum(new['status_literals'].values())} status literals in "
              f"{len(new['status_literals'])} files, {len(new['long_functions'])} long functions")
        return
    if "--plant" in sys.argv:
        return plant(baseline)
    problems = check(baseline)
    for p in problems:
        print("GUARD:", p)
    if problems:
        sys.exit(1)
    s = status_counts()
    print(f"guards passed: no SQL outside src/db/; status literals {sum(s.values())} "
          f"(baseline {sum(baseline.get('status_literals', {}).values())}); long web functions "
          f"{sum(1 for v in function_lengths().values() if v > LIMIT)}; one sqlx/axum/tokio")


def plant(baseline):
    """Plants one violation of each kind in a scratch file under src/web/ and shows the guards
    catch each, then removes it."""
    scratch = os.path.join(ROOT, "src/web/zz_guard_plant.rs")
    body = ["fn planted() {", '    let _ = sqlx::query("SELECT 1");',
            '    let _ = "approved" == "approved";'] + ["    let _ = 1;"] * 70 + ["}"]
    try:
        open(scratch, "w").write("\n".join(body) + "\n")
        found = check(baseline)
    finally:
        os.remove(scratch)
    want = ["SQL outside", "status string literals", "lines (limit"]
    for w in want:
        hit = [p for p in found if "zz_guard_plant" in p and w in p]
        print(("caught: " if hit else "MISSED: ") + (hit[0] if hit else w))
        if not hit:
            sys.exit(1)


if __name__ == "__main__":
    main()
