"""Importing other researchers' interview coding (Taguette, QualCoder, REFI-QDA, our simple CSV).

Entry points: `src.qual.importer.read_coding_file` / `read_coding_bytes` (one file -> `QualImport`),
`src.qual.mapping` (imported codes -> dashboard themes and indicators) and `src.qual.summary` (tree, matrix, search).
"""
