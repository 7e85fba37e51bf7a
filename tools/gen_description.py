#!/usr/bin/env python3
"""Write the addon's OCA face: static/description/index.html from the readme/
fragments (as OCA's readme generator assembles them: description, usage,
configuration, known issues, changelog, contributors), and icon.png.

    python3 tools/gen_description.py
    python3 tools/gen_description.py --check   (pre-commit: fails when index.html is stale)

The fragments are plain Markdown (paragraphs, numbered and bulleted lists,
``## `` headings, *emphasis*, `code`); screenshots found in
static/description/screenshots/ are shown after the description.
"""

import html
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "invoice_workflow_audit")
SECTIONS = (
    ("DESCRIPTION.md", None),
    ("USAGE.md", "Usage"),
    ("CONFIGURE.md", "Configuration"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("HISTORY.md", "Changelog"),
    ("CONTRIBUTORS.md", "Contributors"),
)


def inline(text):
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)


def markdown(source):
    out, block, kind = [], [], None

    def close():
        nonlocal block, kind
        if not block:
            return
        if kind == "p":
            out.append(f"<p>{inline(' '.join(block))}</p>")
        else:
            items = "".join(f"<li>{inline(item)}</li>" for item in block)
            out.append(f"<{kind}>{items}</{kind}>")
        block, kind = [], None

    for line in source.splitlines():
        stripped = line.strip()
        numbered = re.match(r"^\d+\.\s+(.*)", stripped)
        bullet = re.match(r"^[-*]\s+(.*)", stripped)
        if not stripped:
            close()
        elif stripped.startswith("## "):
            close()
            out.append(f"<h3>{inline(stripped[3:])}</h3>")
        elif numbered or bullet:
            wanted = "ol" if numbered else "ul"
            if kind != wanted:
                close()
                kind = wanted
            block.append((numbered or bullet).group(1))
        elif kind in ("ol", "ul") and line.startswith(" "):
            block[-1] += " " + stripped
        else:
            if kind != "p":
                close()
                kind = "p"
            block.append(stripped)
    close()
    return "\n".join(out)


def screenshots():
    folder = os.path.join(ROOT, "static", "description", "screenshots")
    if not os.path.isdir(folder):
        return ""
    images = sorted(name for name in os.listdir(folder) if name.endswith(".png"))
    captions = {name: html.escape(name[3:-4].replace("_", " ").capitalize()) for name in images}
    return "\n".join(
        f'<figure><img src="screenshots/{name}" alt="{captions[name]}" style="max-width:100%"/>'
        f"<figcaption>{captions[name]}</figcaption></figure>"
        for name in images
    )


def index_html():
    parts = ['<h1 class="title">Invoice Workflow &amp; Audit</h1>']
    for filename, title in SECTIONS:
        path = os.path.join(ROOT, "readme", filename)
        if not os.path.exists(path):
            continue
        if title:
            parts.append(f"<h2>{title}</h2>")
        parts.append(markdown(open(path, encoding="utf-8").read()))
        if filename == "DESCRIPTION.md":
            parts.append(screenshots())
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"/>'
        "<title>Invoice Workflow &amp; Audit</title></head>\n"
        f'<body><div class="document">\n{body}\n</div></body></html>\n'
    )


def icon(path):
    from PIL import Image, ImageDraw

    size = 128
    image = Image.new("RGBA", (size, size), (113, 75, 103, 255))  # Odoo's purple
    draw = ImageDraw.Draw(image)
    # An invoice sheet with its status badge and a chain link: workflow and trail.
    draw.rounded_rectangle((30, 18, 98, 110), radius=8, fill=(255, 255, 255, 255))
    for top in (38, 52, 66):
        draw.rectangle((42, top, 86, top + 5), fill=(200, 200, 210, 255))
    draw.rounded_rectangle((42, 80, 72, 94), radius=6, fill=(40, 167, 69, 255))
    draw.ellipse((70, 74, 104, 108), outline=(255, 193, 7, 255), width=6)
    image.save(path)


def main():
    folder = os.path.join(ROOT, "static", "description")
    if "--check" in sys.argv[1:]:
        path = os.path.join(folder, "index.html")
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if current != index_html():
            sys.exit(f"{os.path.relpath(path)} is stale: run python3 tools/gen_description.py")
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "index.html"), "w", encoding="utf-8") as handle:
        handle.write(index_html())
    icon(os.path.join(folder, "icon.png"))
    print("wrote", os.path.relpath(folder))


if __name__ == "__main__":
    main()
