"""Benchmark: import N realistic RIS records (default 100,000) with about 20% planted duplicates into a
fresh database through the same code path as `manage.py import_records`, and print the machine's speed,
parse time, total time against rispy's bare parse of the same file (measured in the same run), records
per second, peak memory, and how many planted duplicates were found.

    .venv/bin/python bench/import_records.py [N] [--seed 1]                  # SQLite
    DATABASE_URL=postgres://app@127.0.0.1:55432/importers .venv/bin/python bench/import_records.py
                # both databases, one after the other (--databases postgresql for one): on PostgreSQL
                # a fresh database <name>_bench is made and dropped

Planted duplicates of two sorts. Those an import should merge by itself: the same DOI; the title in
another case and punctuation; the first author misspelt; a year off. Those it should at least queue for
a person: a letter changed in the title and another first author (as Berman 2000 came from two
databases); the authors in another order; the subtitle dropped.

Goals (issues 3, 12, 13): total within 5x rispy's bare parse on both databases; peak memory under
1.5 GB; merges: recall >= 0.98 and precision >= 0.995; the duplicates for a person found (merged or
queued) >= 0.95."""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calibrate import python_speed  # noqa: E402

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
        if rng.random() < 0.5 and len(words) >= 9:  # a main title of five words or more, then a subtitle
            cut = rng.randint(5, len(words) - 3)
            title = " ".join(words[:cut]).capitalize() + ": " + " ".join(words[cut:])
        else:
            title += ", a randomised trial"
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


def typo(rng: random.Random, title: str) -> str:
    """One letter of one word changed, as a hand-typed or OCR'd title has it."""
    words = title.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    i = rng.choice(long)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    words[i] = (
        word[:at] + rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[at]]) + word[at + 1 :]
    )
    return " ".join(words)


def another_first_author(rng: random.Random, authors: list[str]) -> list[str]:
    if len(authors) > 1:
        return [*authors[1:], authors[0]]
    return [f"{family_name(rng)}, {rng.choice(GIVEN)}", *authors]


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
    elif kind == "typo_author":  # no DOI, a letter changed anywhere in the title, another first author
        copy["title"] = typo(rng, copy["title"])
        copy["authors"] = another_first_author(rng, copy["authors"])
    elif kind == "author_order":  # no DOI, the authors in another order
        copy["authors"] = another_first_author(rng, copy["authors"])
    elif kind == "subtitle":  # no DOI, the subtitle left out
        copy["title"] = copy["title"].split(": ", 1)[0] + "."
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


SURE_KINDS = ["doi", "title", "author", "year"]  # merged by the import itself
PERSON_KINDS = {  # at least queued for a person
    "typo_author": "a letter changed in the title and another first author",
    "author_order": "the authors in another order",
    "subtitle": "the subtitle dropped",
}


def generate(path: Path, n: int, seed: int) -> tuple[list[int], list[str]]:
    """Writes the file; returns the cluster (true original's number) and the kind of each record
    ("" for an original)."""
    rng = random.Random(seed)
    originals: list[dict] = []
    source_ids: list[int] = []  # the record number of each original
    with_subtitle: list[int] = []  # originals whose title has one
    cluster: list[int] = []
    kinds: list[str] = []
    planted = SURE_KINDS + list(PERSON_KINDS)
    with path.open("w", encoding="utf-8") as out:
        for ident in range(n):
            kind = planted[ident % len(planted)]
            if originals and rng.random() < 0.2 and (kind != "subtitle" or with_subtitle):
                pool = with_subtitle if kind == "subtitle" else range(len(originals))
                source = rng.choice(pool)
                record = duplicate_of(rng, originals[source], kind)
                cluster.append(source_ids[source])
                kinds.append(kind)
            else:
                record = make_record(rng, ident)
                if ": " in record["title"]:
                    with_subtitle.append(len(originals))
                originals.append(record)
                source_ids.append(ident)
                cluster.append(ident)
                kinds.append("")
            out.write(ris(record, ident))
    return cluster, kinds


@contextmanager
def fresh_database():
    """A temporary SQLite file, or a new PostgreSQL database beside the one DATABASE_URL names."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield "SQLite"
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?", 1)[0] + "_bench"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    try:
        yield "PostgreSQL"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def found_duplicates(cluster: list[int]) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """(record number -> the number of the record it was merged into, pairs of record numbers queued)."""
    from review.models import DuplicatePair, Record

    number = {}
    for pk, url in Record.objects.values_list("pk", "url").iterator(chunk_size=10_000):
        number[pk] = int(url.rsplit("/", 1)[1])
    merged = {
        number[pk]: number[original]
        for pk, original in Record.objects.filter(duplicate_of__isnull=False)
        .values_list("pk", "duplicate_of_id")
        .iterator(chunk_size=10_000)
    }
    queued = {
        (number[record], number[original])
        for record, original in DuplicatePair.objects.filter(status="pending").values_list(
            "record", "original"
        )
    }
    return merged, queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        help="postgresql needs DATABASE_URL (the bench makes and drops a database beside it)",
    )
    args = parser.parse_args()
    print(python_speed(), flush=True)
    databases = args.databases.split(",")
    if len(databases) > 1:  # one process per database: Django is set up once per process, for one
        for database in databases:
            print(f"\n== {database}", flush=True)
            env = {k: v for k, v in os.environ.items() if database == "postgresql" or k != "DATABASE_URL"}
            command = [
                sys.executable,
                __file__,
                str(args.n),
                f"--seed={args.seed}",
                f"--databases={database}",
            ]
            subprocess.run(command, env=env, check=True)
        return
    if databases == ["postgresql"] and not os.environ.get("DATABASE_URL"):
        sys.exit("postgresql: set DATABASE_URL to a server the bench may create a database on")
    if databases == ["sqlite"]:
        os.environ.pop("DATABASE_URL", None)

    work = Path(tempfile.mkdtemp(prefix="concord-bench-"))
    os.environ["VAR_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)  # a throw-away database

    ris_path = work / "bench.ris"
    started = time.perf_counter()
    cluster, kinds = generate(ris_path, args.n, args.seed)
    size_mb = ris_path.stat().st_size / 1e6
    print(f"generated {args.n:,} records ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s")
    try:
        with fresh_database() as database:
            run(args, ris_path, cluster, kinds, database)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, ris_path: Path, cluster: list[int], kinds: list[str], database: str) -> None:
    import django

    django.setup()
    import rispy
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from review import services
    from review.importers import parse_file

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench")
    services.create_review(slug="bench", title="Benchmark", owner=owner)
    accepted = ris_path.stat().st_size <= settings.MAX_UPLOAD_BYTES

    def rispy_parse() -> float:
        data = ris_path.read_bytes()
        started = time.perf_counter()
        rispy.loads(data.decode("utf-8"))
        return time.perf_counter() - started

    # rispy before and after the import, so that a change in the machine's load during the run shows.
    rispy_before = rispy_parse()
    data = ris_path.read_bytes()

    started = time.perf_counter()
    parse_file(data=data, file_name=ris_path.name)
    parse_seconds = time.perf_counter() - started
    del data

    output = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(output):
        call_command(
            "import_records", "bench", str(ris_path), "--source", "Benchmark", "--json", stdout=output
        )
    total_seconds = time.perf_counter() - started
    result = json.loads(output.getvalue())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rispy_after = rispy_parse()
    rispy_seconds = (rispy_before + rispy_after) / 2

    # The search index is filled after the import by a job (review.search_index): run it here as the
    # worker would, and time it on its own.
    from review.models import Record, SearchIndexJob

    started = time.perf_counter()
    for job in SearchIndexJob.objects.filter(status="queued"):
        SearchIndexJob.run(job.pk)
    index_seconds = time.perf_counter() - started
    unindexed = Record.objects.filter(search_indexed=False).count()

    # Merges: right when the record merged into belongs to the same planted group. For a person: found
    # when merged rightly or queued with a record of its group.
    merged, queued = found_duplicates(cluster)
    correct = sum(1 for record, original in merged.items() if cluster[record] == cluster[original])
    planted_sure = [i for i, kind in enumerate(kinds) if kind in SURE_KINDS]
    recall = sum(1 for i in planted_sure if i in merged and cluster[merged[i]] == cluster[i]) / max(
        len(planted_sure), 1
    )
    precision = correct / len(merged) if merged else 1.0
    paired = {i for pair in queued if cluster[pair[0]] == cluster[pair[1]] for i in pair}

    print(
        f"database: {database}; default upload limit {settings.MAX_UPLOAD_BYTES:,} bytes: "
        f"{'accepted' if accepted else 'REFUSED'} with default settings"
    )
    print(f"records: {args.n:,}; planted duplicates: {sum(1 for kind in kinds if kind):,}")
    print(f"import result: {result}")
    print(
        f"rispy bare parse: {rispy_seconds:.2f} s ({rispy_before:.2f} s before the import, {rispy_after:.2f} s after)"
    )
    print(f"parse time (Concord's parser, incl. decoding and checks): {parse_seconds:.2f} s")
    print(f"total import time (CLI path: parse, match, save): {total_seconds:.2f} s")
    print(f"total / rispy: {total_seconds / rispy_seconds:.2f}x (goal <= 5x)")
    print(f"records per second: {args.n / total_seconds:,.0f}")
    print(f"search index job after the import: {index_seconds:.2f} s ({unindexed:,} records left unindexed)")
    print(f"peak memory (max RSS of this process): {peak_mb:,.0f} MB (goal < 1,536 MB)")
    print(
        f"merged: {len(merged):,}; queued for a person: {len(queued):,} "
        f"({sum(1 for a, b in queued if cluster[a] == cluster[b]):,} of them planted duplicates)"
    )
    print(f"merges: precision {precision:.4f} (goal >= 0.995); recall {recall:.4f} (goal >= 0.98)")
    for kind, label in PERSON_KINDS.items():
        planted = [i for i, k in enumerate(kinds) if k == kind]
        found = sum(1 for i in planted if i in paired or (i in merged and cluster[merged[i]] == cluster[i]))
        print(
            f"for a person, {label}: found (merged or queued) {found:,} of {len(planted):,}"
            f" = {found / max(len(planted), 1):.4f} (goal >= 0.95)"
        )


if __name__ == "__main__":
    main()
