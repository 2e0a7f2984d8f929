#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Cut the kernel's own BTF (.BTF) out of a kernel image, without vmlinux or debug packages.

Usage: scripts/btf-extract.py KERNEL_IMAGE OUT.btf

KERNEL_IMAGE is what a Debian linux-image package installs as /boot/vmlinuz-*:
  - x86 bzImage: the compressed payload is found through the boot protocol's setup header
    (payload_offset/payload_length, boot protocol 2.08+) and decompressed; if that fails, the
    payload is searched by magic the way the kernel's scripts/extract-vmlinux does
  - arm64 Image, raw or gzip-compressed (Debian 12's arm64 vmlinuz is raw)
  - anything already decompressed (an ELF vmlinux, a raw Image)
.BTF is loaded data, so it is inside the decompressed image. It is found by its header (magic
0xeB9F little-endian, version 1, flags 0, hdr_len 24), every candidate is validated (lengths,
section layout, NUL-delimited strings, a walk over every type record that must end exactly at
type_len) and exactly one valid candidate must exist. Exactly hdr_len + str_off + str_len bytes
are written. When the image is an ELF with a .BTF section, the section must match.

Python standard library only. zstd/lz4/lzop payloads need the zstd/lz4/lzop programs.
"""

import bz2
import lzma
import os
import shutil
import struct
import subprocess
import sys
import zlib

BTF_MAGIC_HDR = struct.pack("<HBBI", 0xEB9F, 1, 0, 24)  # magic, version, flags, hdr_len
BTF_HDR = struct.Struct("<HBBIIIII")  # ... type_off, type_len, str_off, str_len
BTF_MAX_STR = 0xFFFFFF  # BTF_MAX_NAME_OFFSET: a string offset has 24 bits in the kernel
BTF_MAX_SIZE = 256 << 20  # far above any real vmlinux BTF (6.1 distro kernels: ~5-6 MiB)

# per-kind size of the data after the 12-byte struct btf_type; callable(vlen) for vlen kinds
BTF_KIND_EXTRA = {
    1: lambda v: 4,  # INT
    2: lambda v: 0,  # PTR
    3: lambda v: 12,  # ARRAY
    4: lambda v: 12 * v,  # STRUCT
    5: lambda v: 12 * v,  # UNION
    6: lambda v: 8 * v,  # ENUM
    7: lambda v: 0,  # FWD
    8: lambda v: 0,  # TYPEDEF
    9: lambda v: 0,  # VOLATILE
    10: lambda v: 0,  # CONST
    11: lambda v: 0,  # RESTRICT
    12: lambda v: 0,  # FUNC
    13: lambda v: 8 * v,  # FUNC_PROTO
    14: lambda v: 4,  # VAR
    15: lambda v: 12 * v,  # DATASEC
    16: lambda v: 0,  # FLOAT
    17: lambda v: 4,  # DECL_TAG
    18: lambda v: 0,  # TYPE_TAG
    19: lambda v: 12 * v,  # ENUM64
}


class ExtractError(Exception):
    pass


def log(msg):
    print(f"btf-extract: {msg}", file=sys.stderr)


# ---------------------------------------------------------------- decompression


def _external(prog, args, data, what):
    if shutil.which(prog) is None:
        raise ExtractError(f"{what} payload: needs the '{prog}' program (apt-get install {prog})")
    r = subprocess.run([prog] + args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # the kernel appends a 4-byte size after some streams: decompressors may complain about
    # trailing garbage yet have written everything
    if not r.stdout:
        raise ExtractError(f"{what} payload: {prog} failed: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout


def dec_gzip(d):
    o = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = o.decompress(d)
    if not o.eof:
        raise ExtractError("gzip stream truncated")
    return out


def dec_xz(d):
    o = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    out = o.decompress(d)
    if not o.eof:
        raise ExtractError("xz stream truncated")
    return out


def dec_lzma(d):
    o = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)
    out = o.decompress(d)
    if not o.eof:
        raise ExtractError("lzma stream truncated")
    return out


def dec_bzip2(d):
    o = bz2.BZ2Decompressor()
    out = o.decompress(d)
    if not o.eof:
        raise ExtractError("bzip2 stream truncated")
    return out


# (name, magic, decompressor): the same magics as the kernel's scripts/extract-vmlinux
COMPRESSORS = [
    ("gzip", b"\x1f\x8b\x08", dec_gzip),
    ("xz", b"\xfd7zXZ\x00", dec_xz),
    ("bzip2", b"BZh", dec_bzip2),
    ("lzma", b"\x5d\x00\x00\x00", dec_lzma),
    ("lzo", b"\x89LZO", lambda d: _external("lzop", ["-dc"], d, "lzo")),
    ("lz4", b"\x02\x21\x4c\x18", lambda d: _external("lz4", ["-dc"], d, "lz4")),
    ("zstd", b"\x28\xb5\x2f\xfd", lambda d: _external("zstd", ["-dc"], d, "zstd")),
]


def decompress_known(data, where):
    for name, magic, fn in COMPRESSORS:
        if data.startswith(magic):
            log(f"{where}: {name} payload ({len(data)} bytes), decompressing")
            try:
                out = fn(data)
            except (ExtractError, lzma.LZMAError, zlib.error, OSError, EOFError) as e:
                raise ExtractError(f"{where}: {name} payload does not decompress: {e}")
            log(f"{where}: {len(out)} bytes decompressed")
            return out
    raise ExtractError(f"{where}: no known compression magic (starts with {data[:8].hex()})")


# ---------------------------------------------------------------- kernel image formats


def is_bzimage(d):
    return len(d) > 0x260 and d[0x202:0x206] == b"HdrS"


def bzimage_payload(d):
    """The compressed vmlinux of a bzImage, by the boot protocol (Documentation/x86/boot.rst)."""
    version = struct.unpack_from("<H", d, 0x206)[0]
    setup_sects = d[0x1F1] or 4
    pm_start = (setup_sects + 1) * 512
    if version < 0x208:
        raise ExtractError(f"bzImage boot protocol {version >> 8}.{version & 0xff} has no payload fields")
    off, length = struct.unpack_from("<II", d, 0x248)
    start = pm_start + off
    if not length or start + length > len(d):
        raise ExtractError(f"bzImage payload_offset {off:#x}/payload_length {length:#x} outside the file")
    log(f"bzImage, boot protocol {version >> 8}.{version & 0xff}: payload at {start:#x}, {length} bytes")
    return d[start:start + length]


def scan_decompress(d):
    """scripts/extract-vmlinux: try every compression magic at every offset, keep what decompresses."""
    for name, magic, fn in COMPRESSORS:
        pos = d.find(magic)
        while pos >= 0:
            try:
                out = fn(d[pos:])
            except Exception:  # any failure: a false magic, keep looking
                out = b""
            if out and (out.startswith(b"\x7fELF") or find_btf_candidates(out)):
                log(f"found a {name} stream at {pos:#x} by magic: {len(out)} bytes decompressed")
                return out
            pos = d.find(magic, pos + 1)
    raise ExtractError("no compressed kernel found by magic (gzip xz bzip2 lzma lzo lz4 zstd)")


def decompressed_image(path):
    with open(path, "rb") as f:
        d = f.read()
    if d.startswith(b"\x7fELF"):
        log(f"{path}: ELF, used as is")
        return d
    if is_bzimage(d):
        try:
            return decompress_known(bzimage_payload(d), "bzImage payload")
        except ExtractError as e:
            log(f"{e}; falling back to the magic scan (extract-vmlinux)")
            return scan_decompress(d)
    if len(d) > 0x40 and d[0x38:0x3C] == b"ARM\x64":
        log(f"{path}: raw arm64 Image, used as is")
        return d
    if d.startswith(b"MZ") and d[4:8] == b"zimg":
        raise ExtractError(f"{path}: EFI zboot image (CONFIG_EFI_ZBOOT): not supported")
    if d.startswith(b"\x1f\x8b\x08"):
        out = decompress_known(d, path)
        kind = "arm64 Image" if out[0x38:0x3C] == b"ARM\x64" else "image"
        log(f"{path}: gzip-compressed {kind}")
        return out
    log(f"{path}: format not recognised, searching for a compressed kernel by magic")
    return scan_decompress(d)


# ---------------------------------------------------------------- BTF


def validate_btf(d, off):
    """Return (total_len, n_types) for the BTF blob at d[off:], or raise ExtractError with why not."""
    if off + BTF_HDR.size > len(d):
        raise ExtractError("header runs past the end of the image")
    magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = BTF_HDR.unpack_from(d, off)
    if (magic, version, flags, hdr_len) != (0xEB9F, 1, 0, 24):
        raise ExtractError(f"bad header {magic:#x}/{version}/{flags}/{hdr_len}")
    if type_off != 0 or type_off % 4 or type_len % 4:
        raise ExtractError(f"type section at {type_off}+{type_len}: expected at 0, 4-byte aligned")
    if str_off != type_off + type_len:
        raise ExtractError(f"string section at {str_off}, expected right after the types ({type_off + type_len})")
    if not 1 < str_len <= BTF_MAX_STR + 1:
        raise ExtractError(f"string section length {str_len} out of range")
    total = hdr_len + str_off + str_len
    if total > BTF_MAX_SIZE or off + total > len(d):
        raise ExtractError(f"total length {total} runs past the end of the image ({len(d) - off} bytes left)")
    s0 = off + hdr_len + str_off
    strs = d[s0:s0 + str_len]
    if strs[0] != 0 or strs[-1] != 0:
        raise ExtractError("string section does not start and end with NUL")
    # walk every type record: the walk must end exactly at type_len
    t = off + hdr_len + type_off
    end = t + type_len
    n = 0
    while t < end:
        if t + 12 > end:
            raise ExtractError(f"type {n + 1} header runs past the type section")
        name_off, info, _ = struct.unpack_from("<III", d, t)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        if kind not in BTF_KIND_EXTRA:
            raise ExtractError(f"type {n + 1}: unknown kind {kind}")
        if name_off >= str_len:
            raise ExtractError(f"type {n + 1}: name offset {name_off} outside the strings")
        t += 12 + BTF_KIND_EXTRA[kind](vlen)
        n += 1
    if t != end:
        raise ExtractError(f"the type records end at {t - end:+d} bytes from type_len")
    if n < 1000 or b"\0task_struct\0" not in strs:
        raise ExtractError(f"{n} types without task_struct: not a vmlinux BTF")
    return total, n


def find_btf_candidates(d):
    out = []
    pos = d.find(BTF_MAGIC_HDR)
    while pos >= 0:
        out.append(pos)
        pos = d.find(BTF_MAGIC_HDR, pos + 1)
    return out


def elf_btf_section(d):
    """(offset, size) of the .BTF section of a little-endian ELF64, or None."""
    if not d.startswith(b"\x7fELF") or d[4] != 2 or d[5] != 1:
        return None
    shoff = struct.unpack_from("<Q", d, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
    if not shoff or shoff + shnum * shentsize > len(d):
        return None

    def sh(i):
        return struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)

    strtab = sh(shstrndx)
    for i in range(shnum):
        name, _, _, _, offset, size = sh(i)[:6]
        p = strtab[4] + name
        if d[p:d.index(b"\0", p)] == b".BTF":
            return offset, size
    return None


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    try:
        img = decompressed_image(src)
        cands = find_btf_candidates(img)
        if not cands:
            raise ExtractError("no BTF header (9f eb 01 00 18 00 00 00) in the image: "
                               "built without CONFIG_DEBUG_INFO_BTF?")
        valid = []
        for c in cands:
            try:
                total, n = validate_btf(img, c)
                valid.append((c, total, n))
            except ExtractError as e:
                log(f"BTF-like header at {c:#x} rejected: {e}")
        if len(valid) != 1:
            raise ExtractError(f"{len(valid)} valid BTF blobs among {len(cands)} candidates "
                               f"({', '.join(hex(v[0]) for v in valid)}): expected exactly one")
        off, total, n = valid[0]
        sec = elf_btf_section(img)
        if sec is not None and sec != (off, total):
            raise ExtractError(f"BTF found at {off:#x}+{total} but the ELF .BTF section is "
                               f"{sec[0]:#x}+{sec[1]}")
        tmp = dst + ".tmp"
        with open(tmp, "wb") as f:
            f.write(img[off:off + total])
        os.replace(tmp, dst)
        log(f"BTF at {off:#x}: {total} bytes, {n} types"
            + (" (matches the ELF .BTF section)" if sec else "") + f" -> {dst}")
    except ExtractError as e:
        print(f"btf-extract: error: {src}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"btf-extract: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
