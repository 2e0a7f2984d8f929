#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks one page of vsockdiag export -f html (tests/cli/export_html.sh runs it).

  export_html_check.py page PAGE.html CORRELATE.json CORRELATE_V.txt [--hostile NAME]
      well-formed (html.parser, every <svg> as XML), self-contained (no network
      reference, no external script/style/image), its CSP allows its one script by
      the right hash, every finding of correlate --json is on it in the same words,
      correlate -v's text report is quoted whole, send->receive lines = delivered
      packets (under the cap), the hostile --names came out escaped
  export_html_check.py png OUT.png WIDTH HEIGHT
      the screenshot decodes, has the size asked, and its timeline area is drawn
  export_html_check.py stderr CHROMIUM_STDERR
      Chromium said nothing about the page (console messages, CSP refusals, errors)

Prints one "ok ..." or "FAIL ..." line per assertion; exits 1 when one failed.
"""
import base64
import hashlib
import html
import html.parser
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

CAP = 20000  # VD_HTML_MARKS + VD_HTML_PRIO_MARKS
VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source",
        "track", "wbr"}
failed = 0


def check(ok, what, detail=""):
    global failed
    if ok:
        print(f"ok {what}")
    else:
        failed += 1
        print(f"FAIL {what}" + (f": {detail}" if detail else ""))


class Page(html.parser.HTMLParser):
    """Tags, nesting, text, attributes, and the raw text of <script> and <pre>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.text = [], [], [], []
        self.scripts, self.attrs = [], []
        self.pre, self.in_pre = [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append("")
        if tag == "pre":
            self.in_pre += 1
            self.pre.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()
        if tag == "pre":
            self.in_pre -= 1

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts[-1] += data
            return
        self.text.append(data)
        if self.in_pre:
            self.pre[-1] += data


def norm(s):
    return " ".join(s.split())


def page(path, jpath, vpath, hostile):
    raw = open(path, "rb").read()
    try:
        doc = raw.decode("utf-8")
        check(True, "the page is UTF-8")
    except UnicodeDecodeError as e:
        check(False, "the page is UTF-8", str(e))
        doc = raw.decode("utf-8", "replace")
    p = Page()
    p.feed(doc)
    p.close()
    check(not p.errors and not p.stack, "the HTML is well-formed",
          "; ".join(p.errors[:3]) + (f" unclosed {p.stack}" if p.stack else ""))
    check(doc.startswith("<!DOCTYPE html>"), "it starts with <!DOCTYPE html>")

    # every SVG on its own is XML
    svgs = re.findall(r"<svg\b.*?</svg>", doc, re.S)
    bad = []
    for s in svgs:
        try:
            ET.fromstring(s)
        except ET.ParseError as e:
            bad.append(str(e))
    check(svgs and not bad, f"its {len(svgs)} SVGs parse as XML", "; ".join(bad[:2]))

    # self-contained: nothing loads from anywhere
    refs = [(t, k, v) for t, a in p.attrs for k, v in a.items()
            if k in ("src", "href", "xlink:href", "action", "srcset", "data", "poster")]
    net = [r for r in refs if re.match(r"\s*(https?:|//|ftp:|file:)", r[2] or "", re.I)]
    check(not net, "no src/href reaches the network", str(net[:3]))
    check(not re.search(r"<script[^>]*\bsrc\s*=", doc, re.I), "no <script src>")
    check("link" not in p.tags and "img" not in p.tags and "iframe" not in p.tags
          and "object" not in p.tags and "embed" not in p.tags,
          "no <link>, <img>, <iframe>, <object>, <embed>")
    check(not re.search(r"url\(\s*['\"]?\s*(https?:|//)|@import", doc, re.I),
          "no url(http...) or @import in the style")
    check(len(p.scripts) == 1, f"exactly one script ({len(p.scripts)})")

    # the policy allows that script alone, by its hash
    csp = [a.get("content", "") for t, a in p.attrs
           if t == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
    check(len(csp) == 1 and "default-src 'none'" in csp[0], "a CSP with default-src 'none'")
    if p.scripts and csp:
        want = "sha256-" + base64.b64encode(hashlib.sha256(p.scripts[0].encode()).digest()).decode()
        check(f"'{want}'" in csp[0], "the CSP allows the script by its hash",
              f"update vd_html_script_hash to \"{want}\" (export_html_script.c)")

    text = norm(" ".join(p.text))
    js = json.load(open(jpath))

    # the verdict and every finding, in correlate's words
    verdict = re.search(r'<p class="verdict [^"]*" id="verdict">(.*?)</p>', doc, re.S)
    check(verdict and norm(open(vpath).read()).startswith(norm(html.unescape(verdict.group(1)))),
          "the verdict line is correlate's")
    missing = []
    for i, f in enumerate(js["findings"]):
        parts = [f"{i + 1}. [{f['severity']}] {f['kind']}: {f['summary']}"]
        parts += [f"evidence: {e}" for e in f["evidence"]]
        if f.get("cause"):
            parts.append(f"cause: {f['cause']}")
        if f.get("next_step"):
            parts.append(f"next step: {f['next_step']}")
        missing += [s for s in parts if norm(s) not in text]
    check(not missing, f"all {len(js['findings'])} findings of correlate --json are listed",
          "; ".join(missing[:2]))
    quoted = [norm(s) for s in p.pre]
    check(norm(open(vpath).read()) in quoted, "correlate -v's report is quoted whole")

    # one line per delivered packet (under the cap)
    drawn = re.search(r'data-drawn="(\d+)" data-total="(\d+)"', doc)
    delivered = sum(c[d]["delivered"] for c in js["connections"] for d in ("a_to_b", "b_to_a"))
    lines = sum(len(re.findall(r"M", d)) for d in
                re.findall(r'<path class="pairs[^"]*" data-n="\d+" [^>]*d="([^"]*)"', doc))
    total = int(drawn.group(2)) if drawn else -1
    check(drawn is not None and int(drawn.group(1)) <= CAP, "at most the cap drawn, counts shown")
    if js["clock"]["aligned"] and len(js["inputs"]) == 2:
        if total <= CAP:
            check(lines == delivered, f"send->receive lines = delivered packets ({delivered})",
                  f"{lines} lines")
        else:
            check(0 < lines <= CAP, f"decimated: {lines} lines of {delivered} delivered")
            check(f"drawn of {total}" in text, "the page says how many were drawn of how many")
    else:
        check(lines == 0, "no clock: no send->receive line", f"{lines} lines")
        check("not aligned" in text or len(js["inputs"]) == 1,
              "no clock: the page says the clocks are not aligned")
    lost = sum(c[d]["lost"] + c[d]["missing_at_end"] for c in js["connections"]
               for d in ("a_to_b", "b_to_a"))
    m = re.search(r'<path class="lost" data-n="(\d+)"', doc)
    if js["clock"]["aligned"] and lost <= 4000:
        check((int(m.group(1)) if m else 0) == lost, f"every lost/missing packet is marked ({lost})")

    # the connections table: one row per connection
    rows = re.findall(r"<tr><td>(\d+)</td>", doc)
    check(len(rows) == min(len(js["connections"]), 500),
          f"the connections table has a row per connection ({len(js['connections'])})",
          f"{len(rows)} rows")

    # adb: every decoded stream's service under its connection's row, escaped
    adb_rows = re.findall(r'<tr class="adb">(.*?)</tr>', doc)
    services = [st["service"] for c in js["connections"] if c.get("adb") for st in c["adb"]["streams"]]
    listed = "".join(adb_rows)
    check(len(adb_rows) == sum(1 for c in js["connections"] if c.get("adb"))
          and all(html.escape(sv, quote=False) in listed for sv in services),
          f"each adb connection lists its streams' services ({len(services)})", f"{len(adb_rows)} adb rows")

    if hostile:
        check(hostile not in doc, "the hostile name never appears raw")
        esc = (hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .replace('"', "&quot;").replace("'", "&#39;"))
        check(esc in doc, "the hostile name appears escaped")
        check(hostile in text, "the hostile name reads as text")
    return failed


def png(path, width, height):
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype = ihdr[0], ihdr[1], ihdr[2], ihdr[3]
    check((w, h) == (width, height), f"the screenshot is {width}x{height}", f"{w}x{h}")
    if depth != 8 or ctype not in (2, 6):
        check(False, "the PNG is 8-bit RGB(A)", f"depth {depth} type {ctype}")
        return failed
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    # the timeline: under the header, about rows 250..650 of a 1000-row window
    y0, y1, x0, x1 = 250, min(h, 650), 120, min(w, 1330)
    prev = bytearray(stride)
    colours, ink, seen = set(), 0, 0
    for y in range(y1):
        f = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                row[i] = (row[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                row[i] = (row[i] + ((row[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = row
        if y >= y0:
            for x in range(x0, x1, 2):
                px = bytes(row[x * bpp:x * bpp + 3])
                colours.add(px)
                seen += 1
                ink += px[0] < 200 or px[1] < 200 or px[2] < 200
    check(len(colours) >= 12, f"the timeline area has many colours ({len(colours)})")
    check(ink >= seen // 50, f"the timeline area is drawn ({100 * ink // max(seen, 1)}% ink)")
    return failed


def stderr(path):
    lines = open(path, errors="replace").read().splitlines()
    # what Chromium says about a page: console messages (CSP refusals among them), script
    # errors, failed loads; not its own complaints about the machine (dbus, GPU, sandbox)
    bad = [line for line in lines if re.search(
        r"CONSOLE|Content Security Policy|Refused to|Uncaught|ERR_|net::|Failed to load|"
        r"SyntaxError|TypeError|ReferenceError", line)]
    check(not bad, "Chromium printed nothing about the page", " | ".join(bad[:3]))
    return failed


if __name__ == "__main__":
    if sys.argv[1] == "page":
        hostile = sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--hostile" else None
        page(sys.argv[2], sys.argv[3], sys.argv[4], hostile)
    elif sys.argv[1] == "png":
        png(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "stderr":
        stderr(sys.argv[2])
    sys.exit(1 if failed else 0)
