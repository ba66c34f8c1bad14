"""Benchmark: import N realistic RIS records (default 100,000) with about 20% planted duplicates into a
fresh SQLite database through the same code path as `manage.py import_records`, and print parse time,
total time, records per second, peak memory, duplicate precision and recall, and rispy's bare parse
of the same file measured in the same run.

    .venv/bin/python bench/import_records.py [N] [--seed 1]

Goals (issue 3): total within 5x rispy's bare parse; peak memory under 1.5 GB; recall >= 0.98 and
precision >= 0.995."""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEDICAL = [
    "ketamine",
    "depression",
    "randomized",
    "controlled",
    "trial",
    "placebo",
    "efficacy",
    "safety",
    "adults",
    "adolescents",
    "cohort",
    "outcomes",
    "mortality",
    "hospital",
    "patients",
    "treatment",
    "resistant",
    "serotonin",
    "receptor",
    "opioid",
    "naltrexone",
    "glutamate",
    "cortex",
    "imaging",
    "positron",
    "emission",
    "tomography",
    "magnetic",
    "resonance",
    "spectroscopy",
    "anxiety",
    "insomnia",
    "pain",
    "chronic",
    "acute",
    "intravenous",
    "oral",
    "dose",
    "response",
    "meta",
    "analysis",
    "systematic",
    "review",
    "primary",
    "care",
    "community",
    "intervention",
    "cognitive",
    "behavioural",
    "therapy",
    "exercise",
    "diet",
    "obesity",
    "diabetes",
    "cardiovascular",
    "stroke",
    "cancer",
    "screening",
    "vaccine",
    "infection",
    "children",
    "elderly",
    "women",
    "pregnancy",
    "postpartum",
    "biomarkers",
    "inflammation",
    "cytokine",
    "genetic",
    "association",
    "polymorphism",
    "longitudinal",
    "cross",
    "sectional",
    "survey",
    "quality",
    "life",
]
SYLLABLES = [
    "ka",
    "ri",
    "to",
    "mu",
    "se",
    "lan",
    "ber",
    "gen",
    "dor",
    "vik",
    "sol",
    "mar",
    "tin",
    "el",
    "an",
    "os",
    "ur",
    "ha",
    "ne",
    "qui",
    "zo",
    "pel",
    "fra",
    "sti",
    "lo",
]
COMMON_FAMILIES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Smith",
    "Jones",
    "Müller",
    "García",
    "Kim",
    "Nguyen",
    "Johnson",
    "Brown",
    "Silva",
    "Rossi",
]
GIVEN = [
    "Anna",
    "John",
    "Maria",
    "Wei",
    "Jun",
    "Luis",
    "Sara",
    "Ahmed",
    "Olga",
    "Peter",
    "Yuki",
    "Ravi",
    "Elena",
    "Tom",
    "Ines",
    "Karl",
    "Nora",
    "Omar",
]
JOURNALS = [f"Journal of {w.title()} Research" for w in MEDICAL[:60]]


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def family_name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(COMMON_FAMILIES)
    return pseudo_word(rng).title()


def make_record(rng: random.Random, n: int) -> dict:
    words = [
        rng.choice(MEDICAL) if rng.random() < 0.6 else pseudo_word(rng) for _ in range(rng.randint(8, 18))
    ]
    title = " ".join(words).capitalize()
    if rng.random() < 0.4:
        title = title.replace(" ", ": ", 1) if rng.random() < 0.5 else title + ", a randomised trial"
    authors = [
        f"{family_name(rng)}, {rng.choice(GIVEN)} {chr(65 + rng.randrange(26))}."
        for _ in range(rng.randint(1, 8))
    ]
    abstract = " ".join(
        rng.choice(MEDICAL) if rng.random() < 0.5 else pseudo_word(rng) for _ in range(rng.randint(180, 280))
    )
    return {
        "title": title + ".",
        "authors": authors,
        "year": rng.randint(1990, 2025),
        "journal": rng.choice(JOURNALS),
        "doi": f"10.{rng.randint(1000, 9999)}/bench.{n}" if rng.random() < 0.75 else "",
        "abstract": abstract.capitalize() + ".",
        "keywords": [rng.choice(MEDICAL) for _ in range(rng.randint(3, 6))],
        "volume": str(rng.randint(1, 120)),
        "start": rng.randint(1, 900),
    }


def misspell(rng: random.Random, name: str) -> str:
    if "ü" in name:
        return name.replace("ü", "ue")
    i = rng.randrange(1, len(name)) if len(name) > 2 else 1
    return name[:i] + rng.choice("aeiou") + name[i + 1 :] if len(name) > 4 else name + "e"


def duplicate_of(rng: random.Random, record: dict, kind: str) -> dict:
    copy = dict(record, authors=list(record["authors"]))
    if kind == "doi":  # another database's copy: same DOI, title cased and punctuated its own way
        copy["title"] = copy["title"].upper() if rng.random() < 0.5 else copy["title"].rstrip(".")
        copy["abstract"] = copy["abstract"][: len(copy["abstract"]) // 2]
        return copy
    copy["doi"] = ""
    if kind == "title":  # no DOI, the title in another case and punctuation
        copy["title"] = copy["title"].lower().replace(":", " -").replace(",", "").rstrip(".")
    elif kind == "author":  # no DOI, the first author spelled differently
        family, given = copy["authors"][0].split(", ", 1)
        copy["authors"][0] = f"{misspell(rng, family)}, {given[0]}."
    elif kind == "year":  # no DOI, epub ahead of print: a year off
        copy["year"] += rng.choice((-1, 1))
    return copy


def ris(record: dict, ident: int) -> str:
    lines = ["TY  - JOUR", f"TI  - {record['title']}"]
    lines += [f"AU  - {a}" for a in record["authors"]]
    lines += [f"JO  - {record['journal']}", f"PY  - {record['year']}", f"VL  - {record['volume']}"]
    lines += [f"SP  - {record['start']}", f"EP  - {record['start'] + 9}"]
    if record["doi"]:
        lines.append(f"DO  - {record['doi']}")
    lines.append(f"AB  - {record['abstract']}")
    lines += [f"KW  - {k}" for k in record["keywords"]]
    lines += [f"UR  - https://bench.example.org/record/{ident}", "ER  - ", ""]
    return "\n".join(lines)


def generate(path: Path, n: int, seed: int) -> list[int]:
    """Writes the file; returns the cluster (true original's number) of each record."""
    rng = random.Random(seed)
    originals: list[dict] = []
    source_ids: list[int] = []  # the record number of each original
    cluster: list[int] = []
    kinds = ["doi", "title", "author", "year"]
    with path.open("w", encoding="utf-8") as out:
        for ident in range(n):
            if originals and rng.random() < 0.2:
                source = rng.randrange(len(originals))
                record = duplicate_of(rng, originals[source], kinds[ident % 4])
                cluster.append(source_ids[source])
            else:
                record = make_record(rng, ident)
                originals.append(record)
                source_ids.append(ident)
                cluster.append(ident)
            out.write(ris(record, ident))
    return cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="concord-bench-"))
    os.environ["VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)  # a throw-away database
    os.environ["MAX_UPLOAD_BYTES"] = str(2 * 1024**3)

    ris_path = work / "bench.ris"
    started = time.perf_counter()
    cluster = generate(ris_path, args.n, args.seed)
    print(
        f"generated {args.n:,} records ({ris_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
    )

    import django

    django.setup()
    import rispy
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from review import services
    from review.importers import parse_file
    from review.models import Record

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench")
    services.create_review(slug="bench", title="Benchmark", owner=owner)

    data = ris_path.read_bytes()
    started = time.perf_counter()
    bare = rispy.loads(data.decode("utf-8"))
    rispy_seconds = time.perf_counter() - started
    del bare

    started = time.perf_counter()
    _format, entries = parse_file(data=data, file_name=ris_path.name)
    parse_seconds = time.perf_counter() - started
    del entries, data

    output = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(output):
        call_command(
            "import_records", "bench", str(ris_path), "--source", "Benchmark", "--json", stdout=output
        )
    total_seconds = time.perf_counter() - started
    result = json.loads(output.getvalue())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # Precision and recall over duplicate records: a record found as a duplicate is right when the
    # record it points to belongs to the same planted group.
    number = {}
    for pk, url in Record.objects.values_list("pk", "url").iterator(chunk_size=10_000):
        number[pk] = int(url.rsplit("/", 1)[1])
    found = Record.objects.filter(duplicate_of__isnull=False).values_list("pk", "duplicate_of_id")
    true_duplicates = sum(1 for i, c in enumerate(cluster) if c != i)
    correct = wrong = 0
    for pk, original in found.iterator(chunk_size=10_000):
        if cluster[number[pk]] == cluster[number[original]]:
            correct += 1
        else:
            wrong += 1
    precision = correct / (correct + wrong) if correct + wrong else 1.0
    recall = correct / true_duplicates if true_duplicates else 1.0

    print(f"records: {args.n:,}; planted duplicates: {true_duplicates:,}")
    print(f"import result: {result}")
    print(f"rispy bare parse: {rispy_seconds:.2f} s")
    print(f"parse time (Concord's parser, incl. decoding and checks): {parse_seconds:.2f} s")
    print(f"total import time (CLI path: parse, match, save): {total_seconds:.2f} s")
    print(f"total / rispy: {total_seconds / rispy_seconds:.2f}x (goal <= 5x)")
    print(f"records per second: {args.n / total_seconds:,.0f}")
    print(f"peak memory (max RSS of this process): {peak_mb:,.0f} MB (goal < 1,536 MB)")
    print(f"duplicates found: {correct + wrong:,}; queued for a person: {result['duplicates_queued']:,}")
    print(f"duplicate precision: {precision:.4f} (goal >= 0.995); recall: {recall:.4f} (goal >= 0.98)")


if __name__ == "__main__":
    main()
