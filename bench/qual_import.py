"""Benchmark section `qual`: generating and importing a coding file of N interviews, in each format we can generate.

Why: a researcher may bring a large study (1,000 interviews) to the qualitative import. The files come from
src/qual/synthetic.py (synthetic test input, made up from counters, never research data). Every public generator
there that takes `interviews` is used, so a format added to it is benchmarked without a change here; the file is
then read through the importer's own door (src/qual/importer.py: format detection, safety checks, reader),
exactly as an upload is. If src/qual is missing, the section says so and returns.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable

Report = Callable[..., None]


def generators(synthetic) -> dict[str, Callable[..., bytes]]:
    """Name -> function for every public function of the synthetic module that takes `interviews`."""
    return {
        name: function
        for name, function in inspect.getmembers(synthetic, inspect.isfunction)
        if not name.startswith("_")
        and function.__module__ == synthetic.__name__
        and "interviews" in inspect.signature(function).parameters
    }


def file_name_for(data: bytes, generator: str, interviews: int) -> str:
    """A file name with the extension a user's file of this content would have (zip -> .qdpx, XML -> .qdc)."""
    if data[:4] == b"PK\x03\x04":
        extension = "qdpx"
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        extension = "qdc"
    else:
        extension = "csv"
    return f"synthetic-{generator}-{interviews}.{extension}"


def bench_one(name: str, generate: Callable[..., bytes], interviews: int, report: Report) -> str | None:
    """Generate, import and summarise one file; return the format the importer detected (None if it refused)."""
    from src.qual import importer, summary
    from src.qual.safety import MAX_UPLOAD_MB

    started = time.perf_counter()
    data = generate(interviews=interviews)
    generated = time.perf_counter() - started
    file_name = file_name_for(data, name, interviews)
    try:
        started = time.perf_counter()
        fmt = importer.detect_format(data, file_name)
        result = importer.read_coding_bytes(data, file_name, fmt)
        imported = time.perf_counter() - started
    except importer.QualImportError as exc:
        print(f"  {name}: the importer refused the generated file: {exc}")
        return None
    people = len(result.interviewees)
    print(f"  {name} -> {importer.FORMATS[fmt][0]}: {len(result.codings):,} codings, "
          f"{people:,} interviewees{'' if people == interviews else f' (NOT {interviews:,})'}, "
          f"{len(result.codes):,} codes", flush=True)
    # The upload limit is the target: a study this size must fit through the app's uploader.
    report(f"  {file_name}: size", len(data) / 1048576, "MB", MAX_UPLOAD_MB)
    report("  generate", generated * 1000, "ms")
    report("  detect + import (detect_format, read_coding_bytes)", imported * 1000, "ms")
    started = time.perf_counter()
    summary.theme_matrix(result.codings)
    summary.tree_lines(result)
    report("  summarise for the page (theme_matrix, tree_lines)", (time.perf_counter() - started) * 1000, "ms")
    return fmt


def run_qual_benchmark(report: Report, interviews: int = 1000) -> None:
    """Print, per generated format: file size, generation, import and summary times, and what came in."""
    try:
        from src.qual import importer, synthetic
    except ImportError as exc:
        print(f"Qualitative import: not available (src/qual: {exc})")
        return
    found = generators(synthetic)
    print(f"Qualitative import of a {interviews:,}-interview file (synthetic, src/qual/synthetic.py), "
          f"{len(found)} generator(s)")
    timed = {bench_one(name, generate, interviews, report) for name, generate in found.items()}
    for fmt in sorted(importer.FORMATS.keys() - timed):
        print(f"  not timed: {importer.FORMATS[fmt][0]}: src/qual/synthetic.py has no generator for it")
