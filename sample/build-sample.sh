#!/bin/sh
# build-sample.sh - build the negsieve demo sample from Debian package
# descriptions (bookworm, main, English).
#
# Each selected binary package gives one query (its short description /
# synopsis) and one corpus passage (its long description).  Packages are
# taken in whole families (binary packages built from the same source
# package), so related passages -- natural false negatives -- exist.
#
# Usage:
#   sample/build-sample.sh [--update] [OUTDIR]
#
#   --update   first run `apt-get update -o Acquire::Languages=en` (needs root)
#              so that apt downloads the Translation-en index.
#   OUTDIR     default: <dir of this script>/debian-descriptions
#
# Inputs (found with `apt-get indextargets`, overridable):
#   NEGSIEVE_PACKAGES     Packages index     (bookworm main binary-amd64)
#   NEGSIEVE_TRANSLATION  Translation-en index (bookworm main)
# Either may be compressed in any format apt knows (lz4, xz, gz, ...).
#
# Deterministic: the same input lists give byte-identical output
# (everything is sorted; selection uses SHA-256 with a fixed seed).
# Needs only apt and python3 (standard library).
set -eu

CODENAME=${NEGSIEVE_CODENAME:-bookworm}
SEED=${NEGSIEVE_SEED:-negsieve-demo-1}
MAX_RECORDS=${NEGSIEVE_MAX_RECORDS:-3000}
MAX_PER_FAMILY=${NEGSIEVE_MAX_PER_FAMILY:-6}

update=0
if [ "${1:-}" = "--update" ]; then
    update=1
    shift
fi

here=$(cd "$(dirname "$0")" && pwd)
outdir=${1:-$here/debian-descriptions}

if [ "$update" = 1 ]; then
    apt-get update -o Acquire::Languages=en
fi

find_index() {
    # $1 = Identifier (Packages | Translations)
    # shellcheck disable=SC2016  # $(FILENAME) is an apt format field
    apt-get indextargets -o Acquire::Languages=en --format '$(FILENAME)' \
        "Identifier: $1" "Codename: $CODENAME" "Component: main" "$2" \
        | head -n 1
}

packages=${NEGSIEVE_PACKAGES:-$(find_index Packages "Architecture: amd64")}
translation=${NEGSIEVE_TRANSLATION:-$(find_index Translations "Language: en")}

if [ -z "$packages" ] || [ ! -f "$packages" ]; then
    echo "build-sample.sh: no Packages index for $CODENAME/main found (${packages:-none})" >&2
    exit 1
fi
if [ -z "$translation" ] || [ ! -f "$translation" ]; then
    echo "build-sample.sh: no Translation-en index for $CODENAME/main found (${translation:-none})." >&2
    echo "  Run: apt-get update -o Acquire::Languages=en   (or pass --update)" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

/usr/lib/apt/apt-helper cat-file "$packages" >"$tmp/Packages"
/usr/lib/apt/apt-helper cat-file "$translation" >"$tmp/Translation-en"

echo "Packages:       $packages" >&2
echo "Translation-en: $translation" >&2

mkdir -p "$outdir/qrels"

python3 - "$tmp/Packages" "$tmp/Translation-en" "$outdir" \
    "$SEED" "$MAX_RECORDS" "$MAX_PER_FAMILY" <<'PYEOF'
import hashlib
import json
import os
import re
import sys

pkg_path, tr_path, outdir, seed, max_records, max_per_family = sys.argv[1:7]
max_records = int(max_records)
max_per_family = int(max_per_family)
MIN_LONG = 80


def stanzas(path):
    """Yield deb822 stanzas as dicts (field -> raw value, continuation
    lines kept with their leading space)."""
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="strict")
    for block in data.split("\n\n"):
        fields = {}
        key = None
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] in " \t":
                if key is not None:
                    fields[key] += "\n" + line
                continue
            k, sep, v = line.partition(":")
            if not sep:
                continue
            key = k.strip()
            fields[key] = v.strip()
        if fields:
            yield fields


BULLET = re.compile(r"^([*\-+o\u2022]|\d+[.)])\s+")
CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_long(lines):
    """Turn Debian extended-description lines (each starting with a space)
    into plain text: ' .' separates paragraphs (-> newline), wrapped lines
    are joined with a space, bullet items start a new line (marker kept),
    verbatim indentation is dropped."""
    paras = []
    items = []
    for raw in lines:
        line = raw[1:] if raw.startswith(" ") else raw
        line = CTRL.sub(" ", line.replace("\t", " "))
        if line.strip() == ".":
            if items:
                paras.append(items)
            items = []
            continue
        s = " ".join(line.split())
        if not s:
            continue
        if BULLET.match(s) or not items:
            items.append(s)
        else:
            items[-1] += " " + s
    if items:
        paras.append(items)
    return "\n".join("\n".join(p) for p in paras).strip()


TRANSITIONAL_SHORT = re.compile(r"\b(transitional|dummy)\b", re.I)
TRANSITIONAL_LONG = re.compile(
    r"\b(transitional (dummy )?package|dummy (transitional )?package"
    r"|empty (transitional )?package|can (be )?safely (be )?removed"
    r"|safely be removed)\b",
    re.I,
)

# ---- Packages: package -> (source, md5) -------------------------------
binaries = {}
for st in stanzas(pkg_path):
    name = st.get("Package")
    md5 = st.get("Description-md5")
    if not name or not md5 or name in binaries:
        continue
    src = st.get("Source", name).split("(")[0].strip() or name
    binaries[name] = (src, md5, st.get("Section", ""))

# ---- Translation-en: (package, md5) -> (short, long) ------------------
descs = {}
for st in stanzas(tr_path):
    name = st.get("Package")
    md5 = st.get("Description-md5")
    d = st.get("Description-en")
    if not name or not md5 or d is None:
        continue
    first, _, rest = d.partition("\n")
    descs[(name, md5)] = (" ".join(first.split()), rest.split("\n") if rest else [])

# ---- eligible packages -------------------------------------------------
stats = {"packages": len(binaries), "no_translation": 0, "short_long": 0,
         "transitional": 0, "oldlibs": 0, "empty_short": 0}
eligible = {}  # name -> (source, short, long)
for name in sorted(binaries):
    src, md5, section = binaries[name]
    entry = descs.get((name, md5))
    if entry is None:
        stats["no_translation"] += 1
        continue
    short, lines = entry
    long_ = clean_long(lines)
    if not short:
        stats["empty_short"] += 1
        continue
    if section.endswith("oldlibs"):
        stats["oldlibs"] += 1
        continue
    if TRANSITIONAL_SHORT.search(short) or TRANSITIONAL_LONG.search(long_):
        stats["transitional"] += 1
        continue
    if len(long_) < MIN_LONG:
        stats["short_long"] += 1
        continue
    eligible[name] = (src, short, long_)

# Exact-duplicate long descriptions (identical passages under different
# ids) are dropped, keeping the alphabetically first package, so every
# passage in the corpus is distinct text.
seen_text = {}
dups = 0
for name in sorted(eligible):
    t = eligible[name][2]
    if t in seen_text:
        dups += 1
        continue
    seen_text[t] = name
stats["duplicate_text"] = dups
kept = {name for name in seen_text.values()}

families = {}
for name in sorted(kept):
    families.setdefault(eligible[name][0], []).append(name)
multi = {s: m for s, m in families.items() if len(m) >= 2}


def h(*parts):
    return hashlib.sha256("\0".join((seed,) + parts).encode()).hexdigest()


# ---- selection: families in seeded-hash order -----------------------
selected = []
nfam = 0
for src in sorted(multi, key=lambda s: (h("family", s), s)):
    members = sorted(multi[src], key=lambda n: (h("member", src, n), n))
    members = members[:max_per_family]
    if len(selected) + len(members) > max_records:
        if max_records - len(selected) < 2:
            break
        continue
    selected.extend(members)
    nfam += 1
selected.sort()

# ---- write BEIR files -------------------------------------------------
def dump(obj):
    return json.dumps(obj, ensure_ascii=False)


with open(os.path.join(outdir, "corpus.jsonl"), "w", encoding="utf-8", newline="\n") as f:
    for name in selected:
        f.write(dump({"_id": name, "title": name, "text": eligible[name][2]}) + "\n")
with open(os.path.join(outdir, "queries.jsonl"), "w", encoding="utf-8", newline="\n") as f:
    for name in selected:
        f.write(dump({"_id": "q:" + name, "text": eligible[name][1]}) + "\n")
with open(os.path.join(outdir, "qrels", "train.tsv"), "w", encoding="utf-8", newline="\n") as f:
    f.write("query-id\tcorpus-id\tscore\n")
    for name in selected:
        f.write("q:%s\t%s\t1\n" % (name, name))
with open(os.path.join(outdir, "families.tsv"), "w", encoding="utf-8", newline="\n") as f:
    f.write("package\tsource-package\n")
    for name in selected:
        f.write("%s\t%s\n" % (name, eligible[name][0]))

for k in sorted(stats):
    print("%-16s %d" % (k, stats[k]), file=sys.stderr)
print("%-16s %d" % ("eligible", len(kept)), file=sys.stderr)
print("%-16s %d" % ("multi_families", len(multi)), file=sys.stderr)
print("selected %d records from %d families" % (len(selected), nfam), file=sys.stderr)
PYEOF

echo "wrote $outdir" >&2
