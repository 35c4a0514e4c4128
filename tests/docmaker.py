"""Legacy Word 97-2003 (.doc) files made at test time, so the .doc tests need neither a binary fixture nor
LibreOffice to write one.

A small file in Word's binary format ([MS-DOC] and [MS-CFB]): an OLE2 compound file (version 3, 512-byte
sectors) with two streams, ``WordDocument`` (the File Information Block, then the text as UTF-16LE, paragraphs
ended by CR) and ``1Table`` (the piece table, one piece covering the whole text, and a stylesheet of one empty
style). Both streams are padded past the 4096-byte mini-stream cutoff so the container needs no mini FAT. No
fonts or paragraph properties: readers fall back to defaults. (Without the stylesheet antiword reads past a
zero-length buffer and crashes depending on memory layout; valgrind is clean on these files.)
"""

from __future__ import annotations

import struct

SECTOR = 512
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
MINI_CUTOFF = 4096

TEXT_AT = 0x800  # where the text starts in the WordDocument stream (after the 900-byte FIB)


def _fib(ccp_text: int, stream_size: int, table: dict[int, tuple[int, int]]) -> bytes:
    """FibBase + FibRgW97 + FibRgLw97 + FibRgFcLcb97 (nFib 0x00C1); ``table`` gives (fc, lcb) of the structures
    in the table stream by their index in FibRgFcLcb97."""
    flags = 1 << 9  # fWhichTblStm: the table stream is "1Table"
    base = struct.pack("<HHHHHHHHIIHH", 0xA5EC, 0x00C1, 0, 0x0804, 0, flags, 0x00BF, 0, 0, 0, 0, 0)
    base += b"\0" * (32 - len(base))
    rgw = struct.pack("<H", 14) + b"\0" * 28
    lw = [0] * 22
    lw[0] = stream_size  # cbMac
    lw[3] = ccp_text
    rglw = struct.pack("<H", 22) + struct.pack("<22i", *lw)
    fclcb = [0] * (93 * 2)
    for index, (fc, lcb) in table.items():
        fclcb[index * 2], fclcb[index * 2 + 1] = fc, lcb
    rgfclcb = struct.pack("<H", 93) + struct.pack(f"<{93 * 2}I", *fclcb)
    fib = base + rgw + rglw + rgfclcb + struct.pack("<H", 0)  # cswNew = 0
    assert len(fib) == 900
    return fib


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (size - len(data))


def word_document_streams(paragraphs: list[str]) -> tuple[bytes, bytes]:
    text = "".join(p.replace("\n", " ") + "\r" for p in paragraphs)
    encoded = text.encode("utf-16-le")
    ccp = len(encoded) // 2
    # Clx: one Pcdt holding a PlcPcd with CPs [0, ccp] and one PCD pointing at the UTF-16 text (fCompressed 0).
    plcpcd = struct.pack("<II", 0, ccp) + struct.pack("<HIH", 0, TEXT_AT, 0)
    clx = b"\x02" + struct.pack("<I", len(plcpcd)) + plcpcd
    # A stylesheet of one empty style (readers read the STSHI header unconditionally): cbStshi, the 18-byte
    # STSHI (cstd 1, cbSTDBaseInFile 10, the rest zero), then one STD of length 0.
    stsh = struct.pack("<H", 18) + struct.pack("<HH", 1, 10) + b"\0" * 14 + struct.pack("<H", 0)
    table_stream = clx + stsh
    size = max(MINI_CUTOFF, -(-(TEXT_AT + len(encoded)) // SECTOR) * SECTOR)
    fib = _fib(ccp, size, {33: (0, len(clx)), 1: (len(clx), len(stsh))})  # fcClx, fcStshf
    word = _pad(fib, TEXT_AT) + encoded
    return _pad(word, size), _pad(table_stream, MINI_CUTOFF)


def _dir_entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    entry = _pad(encoded, 64) + struct.pack("<HBB", len(encoded), kind, 1)  # colour: black
    entry += struct.pack("<III", left, right, child) + b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
    entry += struct.pack("<IQ", start, size)
    assert len(entry) == 128
    return entry


def compound_file(streams: list[tuple[str, bytes]]) -> bytes:
    """An OLE2 compound file holding ``streams`` (each >= 4096 bytes, whole sectors) under the root."""
    sectors: list[bytes] = []
    starts = []
    chains: list[int] = []  # FAT entries
    for _, data in streams:
        assert len(data) >= MINI_CUTOFF and len(data) % SECTOR == 0
        n = len(data) // SECTOR
        starts.append(len(sectors))
        for i in range(n):
            sectors.append(data[i * SECTOR : (i + 1) * SECTOR])
            chains.append(len(sectors) if i < n - 1 else ENDOFCHAIN)
    # Directory: root, then the streams as a chain of right siblings (names in ascending CFB order).
    order = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    entries = [_dir_entry("Root Entry", 5, NOSTREAM, NOSTREAM, 1 + order[0], ENDOFCHAIN, 0)]
    for i, (name, data) in enumerate(streams):
        pos = order.index(i)
        right = 1 + order[pos + 1] if pos + 1 < len(order) else NOSTREAM
        entries.append(_dir_entry(name, 2, NOSTREAM, right, NOSTREAM, starts[i], len(data)))
    directory = b"".join(entries)
    directory = _pad(directory, -(-len(directory) // SECTOR) * SECTOR)
    dir_start = len(sectors)
    for i in range(len(directory) // SECTOR):
        sectors.append(directory[i * SECTOR : (i + 1) * SECTOR])
        chains.append(len(sectors) if i < len(directory) // SECTOR - 1 else ENDOFCHAIN)
    # FAT sectors (128 entries each) go last and describe themselves.
    n_fat = 1
    while len(chains) + n_fat > n_fat * (SECTOR // 4):
        n_fat += 1
    fat_start = len(sectors)
    chains += [FATSECT] * n_fat
    chains += [FREESECT] * (n_fat * (SECTOR // 4) - len(chains))
    fat = struct.pack(f"<{len(chains)}I", *chains)
    sectors += [fat[i * SECTOR : (i + 1) * SECTOR] for i in range(n_fat)]
    assert n_fat <= 109
    difat = [fat_start + i for i in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, MINI_CUTOFF, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    header += struct.pack("<109I", *difat)
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def doc_bytes(paragraphs: list[str]) -> bytes:
    """A Word 97-2003 document holding ``paragraphs``."""
    word, table = word_document_streams(paragraphs)
    return compound_file([("WordDocument", word), ("1Table", table)])
