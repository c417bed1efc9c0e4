"""Text loading and numeric tokenising shared by the instance readers (private).

Every helper reports problems as :class:`~qopt.errors.InstanceFormatError`
naming the file, the format and, where it can, the line.
"""

from __future__ import annotations

import gzip
import lzma
import os
import re
from pathlib import Path

import numpy as np

from qopt.errors import InstanceFormatError, ResourceLimitError, UnknownInstanceError
from qopt.limits import MAX_ABS_COEFFICIENT, MAX_DECOMPRESSED_BYTES, MAX_PATH_LENGTH, MAX_VARIABLES

__all__ = [
    "COMPRESSED", "MAX_VARIABLES", "SUFFIXES", "Tokens", "blank_comments", "build", "instance_name", "load_text",
    "pairs", "pick_index", "tokenize",
]

COMPRESSED = (".gz", ".xz")
# MAX_VARIABLES (from qopt.limits): largest variable / vertex count a file may declare when its
# data need not list every variable (graph vertex counts, QUBO sizes): a guard against absurd headers.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
SUFFIXES = (".opt.sol", ".sol", ".sln", ".dat", ".txt", ".gph", ".col", ".clq", ".rud",
             ".sparse", ".qs", ".lp")


def load_text(path: str | os.PathLike, fmt: str) -> str:
    """The decoded text of ``path`` (decompressing .gz/.xz), never empty."""
    check_path(path)
    p = Path(path)
    if not p.is_file():
        raise UnknownInstanceError(f"{path}: no such file ({fmt} format)")
    try:
        raw = read_capped(p)
        text = raw.decode("utf-8")
    except (OSError, EOFError, lzma.LZMAError, gzip.BadGzipFile) as err:
        raise InstanceFormatError(f"{path}: {fmt} file: cannot read or decompress it: {err}") from err
    except UnicodeDecodeError as err:
        raise InstanceFormatError(
            f"{path}: {fmt} file: not UTF-8/ASCII text (byte {err.start}); is it a binary file?"
        ) from None
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise InstanceFormatError(
            f"{path}, line {line}: {fmt} file: control character {control.group()!r} in the text; "
            "is it a binary file?"
        )
    if not text.strip():
        raise InstanceFormatError(f"{path}: {fmt} file: the file is empty")
    return text


def check_path(path) -> None:
    """Refuse a path no file can have (longer than PATH_MAX) before the OS is asked about it."""
    text = os.fspath(path)
    if len(text) > MAX_PATH_LENGTH:
        raise UnknownInstanceError(f"{text[:40]}...: path of {len(text):,} characters; no file can have "
                                   f"a path longer than {MAX_PATH_LENGTH}")
    longest = max((len(part) for part in Path(text).parts), default=0)
    if longest > 255:
        raise UnknownInstanceError(f"{text[:40]}...: a path component of {longest:,} characters; no file "
                                   "name can be longer than 255")
    if "\x00" in text:
        raise UnknownInstanceError(f"{text[:40]!r}: a path cannot contain a NUL character")


def read_capped(p: Path, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The bytes of ``p``, decompressing ``.gz``/``.xz`` in chunks and stopping at ``limit`` bytes.

    Raises:
        ResourceLimitError: the (unpacked) content is larger than ``limit``.
    """
    if p.name.endswith(".gz"):
        opener = gzip.open
    elif p.name.endswith(".xz"):
        opener = lzma.open
    else:
        opener = open
    chunks, total = [], 0
    with opener(p, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                what = "unpacks to" if opener is not open else "holds"
                raise ResourceLimitError(f"{p}: the file {what} more than {limit // 2**20} MiB of text; "
                                         "instances that large are refused")
            chunks.append(chunk)
    return b"".join(chunks)


def instance_name(path: str | os.PathLike) -> str:
    """File name without compression and known instance/solution extensions."""
    name = Path(path).name
    for ext in COMPRESSED:
        if name.endswith(ext):
            name = name[: -len(ext)]
    for ext in SUFFIXES:
        if name.lower().endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)]
    return name


def blank_comments(text: str, prefixes: tuple[str, ...]) -> str:
    """Replace comment lines by empty lines (keeps line numbers)."""
    if not any(p in text for p in prefixes):
        return text
    lines = text.split("\n")
    return "\n".join("" if ln.lstrip().startswith(prefixes) else ln for ln in lines)


class Tokens:
    """Whitespace-separated tokens of a text, with the line each came from."""

    def __init__(self, path, fmt: str, text: str):
        self.path, self.fmt, self.text = path, fmt, text
        self.words = text.split()
        self._counts: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.words)

    @property
    def line_counts(self) -> np.ndarray:
        """Number of tokens on each line (index 0 = line 1)."""
        if self._counts is None:
            self._counts = np.array([len(ln.split()) for ln in self.text.split("\n")], dtype=np.int64)
        return self._counts

    def line_of(self, k: int) -> int:
        """1-based line number of token ``k`` (the last line for ``k >= len``)."""
        cum = np.cumsum(self.line_counts)
        if k >= len(self.words):
            nonempty = np.flatnonzero(self.line_counts)
            return int(nonempty[-1]) + 1 if nonempty.size else 1
        return int(np.searchsorted(cum, k, side="right")) + 1

    def error(self, message: str, *, token: int | None = None, line: int | None = None):
        if token is not None:
            line = self.line_of(token)
        where = f"{self.path}" + (f", line {line}" if line else "")
        return InstanceFormatError(f"{where}: {self.fmt} file: {message}")

    def need(self, stop: int, what: str) -> None:
        if stop > len(self.words):
            raise self.error(
                f"file ends early: {what} needs {stop} numbers in total, the file has {len(self.words)}",
                line=self.line_of(len(self.words)),
            )

    def floats(self, start: int, stop: int, what: str) -> np.ndarray:
        """Tokens ``start:stop`` as finite float64, shape (stop - start,)."""
        self.need(stop, what)
        chunk = self.words[start:stop]
        try:
            arr = np.array(chunk, dtype=np.float64)
        except ValueError:
            for k, word in enumerate(chunk):
                try:
                    float(word)
                except ValueError:
                    raise self.error(f"{what}: {word!r} is not a number", token=start + k) from None
            arr = np.array([float(word) for word in chunk], dtype=np.float64)
        finite = np.isfinite(arr)
        if not finite.all():
            k = int(np.argmin(finite))
            raise self.error(f"{what}: {chunk[k]!r} is not a finite number", token=start + k)
        huge = np.abs(arr) > MAX_ABS_COEFFICIENT
        if huge.any():
            k = int(np.argmax(huge))
            raise self.error(f"{what}: {chunk[k]!r} is too large in magnitude (limit {MAX_ABS_COEFFICIENT:g}: "
                             "float64 sums and products of larger values overflow)", token=start + k)
        return arr.reshape(-1)

    def ints(self, start: int, stop: int, what: str, *, low: int | None = None,
             high: int | None = None) -> np.ndarray:
        """Tokens ``start:stop`` as int64, each in ``[low, high]``."""
        arr = self.floats(start, stop, what)
        bad = arr != np.floor(arr)
        if bad.any():
            k = int(np.argmax(bad))
            raise self.error(f"{what}: {self.words[start + k]!r} is not an integer", token=start + k)
        huge = np.abs(arr) >= 2.0**53
        if huge.any():
            k = int(np.argmax(huge))
            raise self.error(f"{what}: {self.words[start + k]!r} is too large", token=start + k)
        out = arr.astype(np.int64)
        if low is not None and (out < low).any():
            k = int(np.argmax(out < low))
            raise self.error(f"{what}: {out[k]} is below the minimum {low}", token=start + k)
        if high is not None and (out > high).any():
            k = int(np.argmax(out > high))
            raise self.error(f"{what}: {out[k]} is above the maximum {high}", token=start + k)
        return out

    def size(self, k: int, what: str, *, minimum: int = 1, maximum: int | None = None) -> int:
        """Token ``k`` as a count in ``[minimum, maximum]``."""
        self.need(k + 1, what)
        word = self.words[k]
        try:
            value = float(word)
        except ValueError:
            value = float("nan")
        if not (np.isfinite(value) and value == int(value)):
            raise self.error(f"{what} must be an integer, got {word!r}", token=k)
        if value < minimum:
            raise self.error(f"{what} must be >= {minimum}, got {word}", token=k)
        if maximum is not None and value > maximum:
            raise self.error(f"{what} = {word} is implausibly large (limit {maximum:,})", token=k)
        return int(value)

    def expect_end(self, stop: int, what: str) -> None:
        if len(self.words) != stop:
            raise self.error(
                f"expected {stop} numbers for {what}, the file has {len(self.words)} "
                f"(first extra: {self.words[stop]!r})", token=stop,
            )

    def rows(self, header: int, width: int, count: int, what: str) -> None:
        """Check the line layout: a ``header``-token line, then ``count`` lines of ``width`` tokens."""
        nonempty = np.flatnonzero(self.line_counts)
        sizes = self.line_counts[nonempty]
        if sizes.size == 0:
            raise self.error("the file holds no data")
        if sizes[0] != header:
            raise self.error(f"the first line must hold {header} numbers, it holds {int(sizes[0])}",
                             line=int(nonempty[0]) + 1)
        body = sizes[1:]
        bad = np.flatnonzero(body != width)
        if bad.size:
            k = int(bad[0])
            raise self.error(f"{what} lines hold {width} numbers; this one holds {int(body[k])}",
                             line=int(nonempty[k + 1]) + 1)
        if body.size != count:
            raise self.error(f"the header announces {count} {what} lines, the file has {body.size}",
                             line=int(nonempty[-1]) + 1)


def tokenize(path, fmt: str, *, comments: tuple[str, ...] = (), commas: bool = False) -> Tokens:
    text = load_text(path, fmt)
    from qopt.limits import check_memory

    # a token costs a Python str (~50 B) plus its list slot; "0 0 0 ..." is one token per 2 bytes
    check_memory(30.0 * len(text), f"{path}: reading {len(text):,} bytes of {fmt} text")
    if commas:
        text = text.replace(",", " ")
    if comments:
        text = blank_comments(text, comments)
    tok = Tokens(path, fmt, text)
    if not len(tok):
        raise tok.error("the file holds no data (only comments)")
    return tok


def build(tok: Tokens, factory, *args, **kwargs):
    """Call a problem constructor, turning its data errors into InstanceFormatError."""
    try:
        return factory(*args, **kwargs)
    except (ValueError, TypeError) as err:
        raise tok.error(f"invalid problem data: {err}") from err


def pick_index(tok: Tokens, index, count: int) -> int:
    if index is None:
        if count == 1:
            return 0
        raise tok.error(f"the file holds {count} problems; choose one with --index 0..{count - 1} "
                            "(index= in Python)")
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise tok.error(f"index must be an integer, got {index!r}")
    if not 0 <= index < count:
        raise tok.error(f"index {index} is out of range: the file holds {count} problem(s) "
                        f"(index 0..{count - 1})")
    return int(index)


def pairs(tok: Tokens, start: int, count: int, n: int, what: str):
    """``count`` rows ``i j value`` from token ``start``.

    Returns 0-based ``(i, j, value)`` arrays of shape (count,) with ``i <= j``
    (a row ``j i`` means the same pair). A pair given twice is an error.
    """
    stop = start + 3 * count
    arr = tok.floats(start, stop, what).reshape(count, 3)
    ij = arr[:, :2]
    bad = (ij != np.floor(ij)) | (ij < 1) | (ij > n)
    if bad.any():
        r, c = (int(v) for v in np.argwhere(bad)[0])
        word = tok.words[start + 3 * r + c]
        problem = "is not an integer" if ij[r, c] != np.floor(ij[r, c]) else f"is outside 1..{n}"
        raise tok.error(f"{what}: index {word} {problem}", token=start + 3 * r + c)
    ij = ij.astype(np.int64)
    i, j = np.minimum(ij[:, 0], ij[:, 1]) - 1, np.maximum(ij[:, 0], ij[:, 1]) - 1
    key = i * n + j
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(np.diff(key[order]) == 0)
    if dup.size:
        first, second = int(order[dup[0]]), int(order[dup[0] + 1])
        raise tok.error(f"{what}: pair ({i[second] + 1}, {j[second] + 1}) appears twice (first on "
                        f"line {tok.line_of(start + 3 * first)})", token=start + 3 * second)
    return i, j, arr[:, 2].copy()
