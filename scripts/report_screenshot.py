"""Open a Snakemake report in headless Chromium, go to one result the way a user would (menu
entry, file toggle, eye button), and save a screenshot:

    python scripts/report_screenshot.py dreams/fractal_light/report.zip docs/report.png \\
        [--category Overview] [--file contact_sheet.jpg]

Needs `chromium` (Debian: apt-get install chromium). The clicks are a small script added to a
copy of report.html; the report itself is unchanged."""

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CLICKS = """<script>
// Navigate like a user: the category in the menu, the file toggle, then the first eye (view) button.
function byText(text) { return [...document.querySelectorAll("a, label")].find(e => e.textContent.trim() === text); }
function later(ms, step) { return new Promise(done => setTimeout(() => { step(); done(); }, ms)); }
window.addEventListener("load", async () => {
  await later(300, () => byText(%(category)r) && byText(%(category)r).click());
  await later(300, () => %(file)r && byText(%(file)r) && byText(%(file)r).click());
  await later(300, () => { const eye = document.querySelector("a[iconname=eye]"); if (eye) eye.click(); });
});
</script>"""


def browser():
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        raise SystemExit("no chromium found (Debian: apt-get install chromium)")
    return found


def open_report(report_zip, category="", file="", size=(1400, 900), screenshot=None):
    """Unpack `report_zip`, click through to `category`/`file` and return the rendered DOM as text;
    with `screenshot`, also save the page as that PNG."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(report_zip) as archive:
            archive.extractall(tmp)
        html = next(Path(tmp).rglob("report.html"))
        text = html.read_text()
        end = text.rfind("</body>")  # the last one: the report's scripts contain the string too
        page = html.with_name("shot.html")
        page.write_text(text[:end] + CLICKS % dict(category=category, file=file) + text[end:])
        common = [
            browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={size[0]},{size[1]}",
            "--virtual-time-budget=10000",
        ]
        if screenshot:
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [*common, f"--screenshot={Path(screenshot).resolve()}", page.as_uri()],
                check=True,
                capture_output=True,
                timeout=120,
            )
        done = subprocess.run(
            [*common, "--dump-dom", page.as_uri()], check=True, capture_output=True, text=True, timeout=120
        )
        return done.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("report_zip")
    p.add_argument("png")
    p.add_argument("--category", default="Overview")
    p.add_argument("--file", default="contact_sheet.jpg", help="the file toggle to select ('' for none)")
    p.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
    args = p.parse_args()
    open_report(args.report_zip, args.category, args.file, tuple(int(v) for v in args.size.split("x")), args.png)
    print(f"wrote {args.png}", file=sys.stderr)


if __name__ == "__main__":
    main()
