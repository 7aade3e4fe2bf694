"""paperd's stores, read-only, from inside the sandbox.

    import paperd
    df = paperd.sql("SELECT id, title, published FROM papers WHERE published >= ?", ["2023-01-01"])
    ids, vectors = paperd.vectors()          # ids and an (n, d) float32 matrix, memory-mapped
    paperd.save(fig, "chart.png")            # a matplotlib figure into /out

/data holds a consistent snapshot of the stores, taken when the run started: `paperd.sqlite`
(papers, versions, authors, categories, full-text index, chunks, enrichments, knowledge graph)
and `vectors/` (each paper's embedding as float32, row-major, with its ids and size in JSON).
Files written to /out (PNG, SVG, CSV, JSON, HTML) come back with the result.
"""
import json
import os
import re
import sqlite3

DATA = os.environ.get("PAPERD_DATA", "/data")
OUT = os.environ.get("PAPERD_OUT", "/out")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_connection = None


def connect():
    """The snapshot's SQLite database, opened read-only (it is immutable for the run)."""
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(f"file:{DATA}/paperd.sqlite?mode=ro&immutable=1", uri=True)
    return _connection


def sql(query, params=()):
    """Runs a query on the snapshot and returns a pandas DataFrame."""
    import pandas

    return pandas.read_sql_query(query, connect(), params=params)


def papers(columns="id, title, abstract, authors, categories, primary_category, published, updated, has_code"):
    """The papers table as a DataFrame; `published` and `updated` parsed as dates."""
    import pandas

    df = sql(f"SELECT {columns} FROM papers")
    for column in ("published", "updated"):
        if column in df.columns:
            df[column] = pandas.to_datetime(df[column], errors="coerce", utc=True)
    for column in ("authors", "categories"):
        if column in df.columns:
            df[column] = df[column].map(json.loads)
    return df


def vectors(table="papers"):
    """(ids, matrix): every paper's vector as of the snapshot; the matrix is memory-mapped float32."""
    import numpy

    with open(f"{DATA}/vectors/{table}.json", encoding="utf-8") as f:
        meta = json.load(f)
    if meta["count"] == 0:
        return [], numpy.zeros((0, meta["dimensions"]), dtype="<f4")
    matrix = numpy.memmap(f"{DATA}/vectors/{table}.f32", dtype="<f4", mode="r", shape=(meta["count"], meta["dimensions"]))
    return meta["ids"], matrix


def manifest():
    """When the snapshot was taken and of which store versions."""
    with open(f"{DATA}/manifest.json", encoding="utf-8") as f:
        return json.load(f)


def out(name):
    """The path of a file in /out; names are plain (letters, digits, `.`, `_`, `-`)."""
    if not _NAME.match(name):
        raise ValueError(f"not a plain file name for /out: {name!r}")
    return os.path.join(OUT, name)


def save(figure=None, name="chart.png", **kwargs):
    """Saves a matplotlib figure (the current one by default) into /out and returns its path."""
    import matplotlib.pyplot as plt

    path = out(name)
    (figure or plt.gcf()).savefig(path, bbox_inches="tight", **kwargs)
    return path
