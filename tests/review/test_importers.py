"""Each vendor's export, in the exact shape the vendor writes it (files in samples/), and bad input.
Identifiers in the samples are there to be matched on; the facts are the demo review's."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from review.constants import ImportFormat
from review.importers import ImportFormatError, import_search_file, parse_file
from review.models import DuplicatePair, ImportJob, Record, Search
from review.records import review_record_counts

SAMPLES = Path(__file__).parent / "samples"
PUBMED = (SAMPLES / "pubmed.nbib").read_bytes()


def parse(name: str, data: bytes | None = None, **kwargs) -> tuple[str, list[dict]]:
    parsed = parse_file(
        data=data if data is not None else (SAMPLES / name).read_bytes(), file_name=name, **kwargs
    )
    return parsed.file_format, parsed.entries


def test_pubmed_medline():
    # Tags relied on: PMID, TI (continued lines), AB, FAU, DP, JT, VI, IP, PG, LID/AID "[doi]", OT, LA.
    fmt, entries = parse("pubmed.nbib")
    assert fmt == ImportFormat.MEDLINE
    williams, tiger = entries
    assert (
        williams["title"]
        == "Attenuation of Antidepressant Effects of Ketamine by Opioid Receptor Antagonism."
    )
    assert williams["authors"] == ["Williams, Nolan R", "Heifets, Boris D", "Schatzberg, Alan F"]
    assert (williams["year"], williams["pmid"], williams["doi"]) == (
        2018,
        "30153752",
        "10.1176/appi.ajp.2018.18020138",
    )
    assert (williams["volume"], williams["issue"], williams["pages"]) == ("175", "12", "1205-1215")
    assert williams["keywords"] == ["ketamine", "naltrexone"]
    assert (
        williams["abstract"].startswith("OBJECTIVE: To determine")
        and "crossover trial." in williams["abstract"]
    )
    # Two LID lines ("159" and the DOI): the DOI is the one marked [doi].
    assert tiger["doi"] == "10.1038/s41398-020-0844-4"
    assert tiger["line"] == 48
    assert tiger["raw_entry"].startswith("PMID- 32265440")


def test_ris_from_scopus_and_from_endnote_ovid():
    # Scopus: TI, AU, PY, T2 (journal), VL, IS, DO, UR, AB, KW, SN, LA. EndNote/Ovid: T1, A1, JF, Y1
    # ("2000/02/15/"), N2 (abstract), SP/EP, the DOI only as a doi.org UR, AN with DB MEDLINE (a PMID).
    fmt, (tiger, berman) = parse("scopus.ris")
    assert fmt == ImportFormat.RIS
    assert tiger["journal"] == "Translational Psychiatry" and tiger["keywords"] == ["ketamine", "PET"]
    assert (berman["pages"], berman["line"]) == ("351-354", 22)
    _, (ovid,) = parse("endnote_style.ris")
    assert ovid["title"] == "Antidepressant effects of ketamine in depressed patients"
    assert ovid["authors"] == ["Berman, Robert M.", "Cappiello, Angela"]
    assert (ovid["year"], ovid["journal"], ovid["pmid"]) == (2000, "Biological Psychiatry", "10686270")
    assert ovid["doi"] == "10.1016/S0006-3223(99)00230-9"
    assert ovid["abstract"] == "Seven subjects with major depression completed two test days."


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_ris_in_the_encodings_exporters_use(encoding):
    text = "TY  - JOUR\nAU  - Müller, Jürgen\nTI  - Kétamine et dépression\nPY  - 2019\nER  - \n"
    _, (entry,) = parse("legacy.ris", text.encode(encoding))
    assert entry["authors"] == ["Müller, Jürgen"]
    assert entry["title"] == "Kétamine et dépression"


def test_bibtex_from_zotero():
    # Fields: title (braces protect case), author ("and"), journal, year, volume, number, pages, doi,
    # url, abstract, keywords, language; LaTeX accents decoded.
    fmt, (williams, jelen) = parse("zotero.bib")
    assert fmt == ImportFormat.BIBTEX
    assert (
        williams["title"] == "Attenuation of Antidepressant Effects of Ketamine by Opioid Receptor Antagonism"
    )
    assert williams["authors"][0] == "Williams, Nolan R."
    assert (williams["year"], williams["doi"], williams["issue"]) == (
        2018,
        "10.1176/appi.ajp.2018.18020138",
        "12",
    )
    assert williams["keywords"] == ["ketamine", "naltrexone", "opioid receptors"]
    assert jelen["authors"] == ["Jelén, Luke A.", "Müller, Hans"]
    assert "Müller-style" in jelen["title"]


def test_endnote_xml():
    # Elements: titles/title (split into <style> runs), contributors/authors/author, dates/year,
    # secondary-title, electronic-resource-num, accession-num with remote-database-name PubMed, keywords.
    fmt, (tiger, berman) = parse("endnote.xml")
    assert fmt == ImportFormat.ENDNOTE
    assert tiger["title"].startswith(
        "A randomized placebo-controlled PET study of ketamine's effect on serotonin1B"
    )
    assert (tiger["doi"], tiger["pmid"], tiger["year"]) == ("10.1038/s41398-020-0844-4", "32265440", 2020)
    assert tiger["authors"] == ["Tiger, Mikael", "Lundberg, Johan"]
    assert berman["journal"] == "Biological Psychiatry" and berman["pmid"] == ""


def test_scopus_csv_preset_is_recognised():
    # Scopus "Export, CSV": a BOM, quoted fields, an abstract spanning two lines, "; " between authors.
    fmt, (tiger, berman) = parse("scopus.csv")
    assert fmt == ImportFormat.CSV
    assert tiger["authors"] == ["Tiger M.", "Lundberg J."]
    assert tiger["pmid"] == "32265440" and tiger["keywords"] == ["ketamine", "PET", "serotonin"]
    assert "open-label second phase" in tiger["abstract"]
    assert berman["line"] == 4  # the record after the two-line abstract


def test_web_of_science_tab_delimited_and_pubmed_csv():
    # WoS: two-letter tags as headers (TI, AF, PY, SO, DI, PM, DE). PubMed CSV: "Williams NR, Heifets BD."
    _, (wos,) = parse("wos.txt")
    assert wos["authors"] == ["Williams, Nolan R.", "Heifets, Boris D.", "Schatzberg, Alan F."]
    assert (wos["year"], wos["doi"], wos["pmid"]) == (2018, "10.1176/appi.ajp.2018.18020138", "30153752")
    _, (pubmed,) = parse("pubmed.csv")
    assert pubmed["authors"] == ["Williams NR", "Heifets BD", "Schatzberg AF"]
    assert (pubmed["year"], pubmed["pmid"]) == (2018, "30153752")


def test_csv_with_common_column_names_maps_itself_and_a_mapping_wins():
    data = b"title,abstract,authors,year,doi,journal\nKetamine trial,Text,Doe J; Roe R,2021,10.1/x,J Psych\n"
    _, (entry,) = parse("mine.csv", data)
    assert (entry["title"], entry["authors"], entry["year"], entry["journal"]) == (
        "Ketamine trial",
        ["Doe J", "Roe R"],
        2021,
        "J Psych",
    )
    data = b"Name;Summary\nKetamine trial;Text\n"
    _, (entry,) = parse("mine.csv", data, column_mapping={"title": "Name", "abstract": "Summary"})
    assert (entry["title"], entry["abstract"]) == ("Ketamine trial", "Text")


def test_format_comes_from_the_content_not_the_name_and_can_be_overridden():
    medline_as_txt = (SAMPLES / "pubmed.nbib").read_bytes()
    ris_as_txt = (SAMPLES / "scopus.ris").read_bytes()
    assert parse("export.txt", medline_as_txt)[0] == ImportFormat.MEDLINE
    assert parse("export.txt", ris_as_txt)[0] == ImportFormat.RIS
    with pytest.raises(ImportFormatError, match=r"export.txt: no RIS entries"):
        parse("export.txt", medline_as_txt, file_format=ImportFormat.RIS)


BAD_INPUTS = [
    ("empty.ris", b"", r"^empty.ris: the file is empty"),
    ("blank.ris", b"  \n\n", r"^blank.ris: the file is empty"),
    (
        "notes.txt",
        b"Dear colleague\nplease find attached\n",
        r"^notes.txt, line 1: not a format Concord can read",
    ),
    (
        "truncated.ris",
        b"TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\nAU  - Doe, J",
        r"^truncated.ris, line 5: entry 2 has no ER line; the file looks truncated",
    ),
    (
        "truncated.xml",
        (SAMPLES / "endnote.xml").read_bytes()[:900],
        r"^truncated.xml, line 1: not well-formed XML",
    ),
    (
        "truncated.bib",
        b"@article{a,\n title = {One},\n year = 2020}\n\n@article{b,\n title = {Two",
        r"^truncated.bib, line 5:",
    ),
    (
        "cut.nbib",
        PUBMED[: PUBMED.index(b"TI  - A randomized placebo")] + b"TI  - Tw",
        r"^cut.nbib, line 54: the file ends inside the record that starts on line 48, in its TI field "
        r"\(“TI - Tw”\), before the SO line that ends every other record; the file looks truncated",
    ),
    (
        "cut-at-a-line-end.nbib",
        PUBMED[: PUBMED.index(b"FAU - Lundberg")],
        r"^cut-at-a-line-end.nbib, line 62: the file ends inside the record that starts on line 48, in its AU "
        r"field",
    ),
    (
        "one-cut.nbib",
        b"PMID- 10686270\nDP  - 2000 Feb 15\nTI  - Antidepressant effects of ket",
        r"^one-cut.nbib, line 3: the file ends inside the record that starts on line 1, in its TI field "
        r"\(“TI - Antidepressant effects of ket”\), in the middle of a line",
    ),
    ("image.ris", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"^image.ris: this is a PNG image"),
    ("noise.ris", bytes(range(256)) * 20, r"^noise.ris: (the bytes are not text|the file holds binary data)"),
    (
        "no-title.csv",
        b"Authors,Year\nDoe J,2020\n",
        r"^no-title.csv, line 1: no column holds the title \(columns found: Authors, Year\)",
    ),
    (
        "untitled.ris",
        b"TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nAU  - Doe, J\nER  - \n",
        r"^untitled.ris, line 4: entry 2 has no title",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_names_file_and_line_and_imports_nothing(review, owner, name, data, message):
    with pytest.raises(ImportFormatError, match=message):
        import_search_file(review=review, data=data, file_name=name, source_name="PubMed", user=owner)
    assert (Search.objects.count(), Record.objects.count(), DuplicatePair.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_a_file_bad_after_thousands_of_stored_records_imports_nothing(review, owner):
    """Records are stored while the file is read: an entry found bad after several batches have been
    written (the 5,001st, past RIS's first chunk of 5,000) still leaves nothing behind."""
    good = "".join(
        f"TY  - JOUR\nTI  - Trial number {n}\nAU  - Doe, J\nPY  - 2020\nER  - \n" for n in range(5000)
    )
    data = (good + "TY  - JOUR\nAU  - Roe, R\nER  - \n").encode()
    with pytest.raises(ImportFormatError, match=r"^late.ris, line 25001: entry 5001 has no title"):
        import_search_file(review=review, data=data, file_name="late.ris", source_name="PubMed", user=owner)
    assert (Search.objects.count(), Record.objects.count(), DuplicatePair.objects.count()) == (0, 0, 0)
    assert review_record_counts(review).records == 0  # the tallies the triggers keep rolled back too


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(review, settings):
    settings.MAX_UPLOAD_BYTES = 100
    data = (SAMPLES / "scopus.ris").read_bytes()
    with pytest.raises(ImportFormatError, match=r"^big.ris: 871 bytes is over the limit of 100 bytes"):
        import_search_file(review=review, data=data, file_name="big.ris", source_name="Scopus")
    assert Record.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_late_in_the_save_rolls_everything_back(review, monkeypatch):
    from review import importers

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importers, "find_duplicates", lambda *a, **k: broken())
    with pytest.raises(RuntimeError):
        import_search_file(
            review=review, data=(SAMPLES / "scopus.ris").read_bytes(), file_name="s.ris", source_name="S"
        )
    assert (Search.objects.count(), Record.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_import_keeps_the_search_and_its_file(review, owner):
    result = import_search_file(
        review=review,
        data=(SAMPLES / "pubmed.nbib").read_bytes(),
        file_name="pubmed.nbib",
        source_name="PubMed",
        user=owner,
        query="ketamine[tiab]",
    )
    search = result.search
    assert (search.file_format, search.file_name, search.query, search.created_by) == (
        "medline",
        "pubmed.nbib",
        "ketamine[tiab]",
        owner,
    )
    assert search.file.read() == (SAMPLES / "pubmed.nbib").read_bytes()
    assert (result.parsed, result.imported, result.duplicates_merged) == (2, 2, 0)
    williams = Record.objects.get(pmid="30153752")
    assert (williams.doi_key, williams.pmid_key, williams.author_key) == (
        "10.1176/appi.ajp.2018.18020138",
        "30153752",
        "williams",
    )
    assert (
        williams.title_key
        == "attenuation of antidepressant effects of ketamine by opioid receptor antagonism"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir()))
def test_reimporting_the_same_file_finds_every_record_as_a_duplicate(review, name):
    data = (SAMPLES / name).read_bytes()
    first = import_search_file(review=review, data=data, file_name=name, source_name="First")
    again = import_search_file(review=review, data=data, file_name=name, source_name="Again")
    assert again.duplicates_merged == again.parsed == first.parsed
    copies = Record.objects.filter(search=again.search)
    assert all(r.duplicate_of.search_id == first.search.pk for r in copies.select_related("duplicate_of"))
    assert Record.objects.filter(search=first.search, duplicate_of__isnull=False).count() == 0


@pytest.mark.django_db
def test_the_same_records_from_every_vendor_collapse_to_one_each(review):
    for name in [
        "pubmed.nbib",
        "scopus.ris",
        "endnote_style.ris",
        "zotero.bib",
        "endnote.xml",
        "scopus.csv",
        "wos.txt",
        "pubmed.csv",
    ]:
        import_search_file(
            review=review, data=(SAMPLES / name).read_bytes(), file_name=name, source_name=name
        )
    unique = Record.objects.filter(review=review, duplicate_of__isnull=True)
    # Williams 2018, Tiger 2020, Berman 2000 and the Jelén/Müller BibTeX entry.
    assert sorted(r.short_citation for r in unique) == [
        "Berman 2000",
        "Jelén 2022",
        "Tiger 2020",
        "Williams 2018",
    ]
    assert DuplicatePair.objects.filter(status="pending").count() == 0


@pytest.mark.django_db
def test_a_utf8_file_with_a_few_broken_bytes_stays_utf8_and_the_warning_names_their_lines(review, owner):
    # Two entries written as UTF-8 and one pasted from a Windows-1252 file (0xE9 is “é” there).
    data = (
        "TY  - JOUR\nTI  - Kétamine au café\nAU  - Müller, Jürgen\nER  - \n"
        "TY  - JOUR\nTI  - Ketamine and depression\nER  - \n"
    ).encode() + b"TY  - JOUR\nTI  - Caf\xe9 and ketamine\nER  - \n"
    result = import_search_file(
        review=review, data=data, file_name="mixed.ris", source_name="Embase", user=owner
    )
    titles = list(Record.objects.order_by("id").values_list("title", flat=True))
    assert titles == ["Kétamine au café", "Ketamine and depression", "Caf\ufffd and ketamine"]
    assert Record.objects.get(title__startswith="K\u00e9t").authors == ["Müller, Jürgen"]
    expected = [
        "mixed.ris, line 9: bytes that are not UTF-8 (the rest of the file is) were replaced by “\ufffd”; "
        "check the records there, or export the file again."
    ]
    assert result.warnings == expected and Search.objects.get().warnings == expected


def test_a_file_without_utf8_in_it_is_read_as_windows_1252_without_a_warning():
    parsed = parse_file(data="TY  - JOUR\nTI  - Café\nER  - \n".encode("cp1252"), file_name="old.ris")
    assert (parsed.entries[0]["title"], parsed.warnings) == ("Café", [])


def test_warnings_name_ten_lines_then_count_the_rest():
    data = "TY  - JOUR\nTI  - Kétamine\nER  - \n".encode() + b"".join(
        b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n" for _ in range(12)
    )
    # Mostly broken bytes would mean a legacy code page; here 2 good characters beat 1 bad one per entry.
    data = data.replace(b"TI  - Caf\xe9", "TI  - Kétamine café \xe0".encode() + b"\xe9")
    (warning,) = parse_file(data=data, file_name="many.ris").warnings
    assert warning.startswith("many.ris, lines 5, 8, 11, 14, 17, 20, 23, 26, 29, 32 and 2 more: ")


def test_every_parser_has_the_same_signature():
    import inspect

    from review.importers import PARSERS

    signatures = {str(inspect.signature(parser)) for parser in PARSERS.values()}
    assert signatures == {"(export: 'ExportText') -> 'Iterable[dict]'"}
    assert set(PARSERS) == set(ImportFormat.values) - {ImportFormat.AUTO}


@pytest.mark.django_db
def test_the_bulk_insert_writes_every_column_as_saving_the_model_would(review, owner):
    """Records are written with one raw INSERT (or COPY): it must name every non-null column of Record,
    read from the model, so that a column added later is covered or fails here, and give each the value
    a Record saved through the ORM gets (defaults included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = import_search_file(
            review=review, data=(SAMPLES / "scopus.ris").read_bytes(), file_name="s.ris", source_name="S"
        )
    table = Record._meta.db_table
    (statement,) = [
        q["sql"] for q in queries if f'INSERT INTO "{table}" (' in q["sql"] or f'COPY "{table}" (' in q["sql"]
    ]
    columns = statement.split(f'"{table}" (', 1)[1].split(")", 1)[0]
    written = {name.strip(' "') for name in columns.split(",")}
    not_null = {f.column for f in Record._meta.concrete_fields if not f.null and not f.primary_key}
    assert not_null - written == set()

    # The import leaves its records' search index to the job it queued (review.search_index): run it.
    from review.models import SearchIndexJob

    SearchIndexJob.run(SearchIndexJob.objects.get(search=result.search).pk)
    imported = Record.objects.filter(search=result.search).order_by("id").first()
    parsed = parse("scopus.ris")[1][0]
    del parsed["line"]
    twin = Record.objects.create(review=review, search=result.search, **parsed)
    for f in Record._meta.concrete_fields:
        if f.name not in {"id", "created_at"}:
            assert getattr(imported, f.attname) == getattr(twin, f.attname), f.name
    assert abs(imported.created_at - twin.created_at).total_seconds() < 60


@pytest.mark.django_db
def test_a_file_given_as_a_stored_file_is_kept_once(review, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    with (SAMPLES / "scopus.ris").open("rb") as handle:
        stored = default_storage.save("reviews/imports/upload.ris", File(handle))
    job = ImportJob.objects.create(review=review, file=stored, file_name="upload.ris", source_name="S")
    result = import_search_file(review=review, data=job.file, file_name="upload.ris", source_name="S")
    assert result.search.file.name == job.file.name == stored
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["upload.ris"]


def test_stored_names_stay_within_the_file_system_limit_whatever_was_uploaded():
    from review.importers.common import stored_name

    long_name = "é" * 250 + ".ris"
    assert stored_name(long_name).endswith(".ris")
    assert len(stored_name(long_name).encode()) <= 120
    assert stored_name("../../etc/passwd") == "passwd"
    assert stored_name("x." + "y" * 300) == ("x." + "y" * 300)[:120]
