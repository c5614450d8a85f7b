import xml.etree.ElementTree as ET

from blinrwe.report.figures import forest_plot, save_figure


def test_files_are_valid_png_svg_pdf(ard, context, tmp_path):
    plotted = forest_plot(ard, "cox_univariable", context)
    paths = save_figure(plotted, tmp_path, ("png", "svg", "pdf"), dpi=80)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths["pdf"].read_bytes()[:5] == b"%PDF-"
    root = ET.parse(paths["svg"]).getroot()
    assert root.tag.endswith("svg")
    assert "Hazard ratio" in paths["svg"].read_text()  # text kept as text (svg.fonttype none)
    assert plotted.svg_text().startswith("<svg")
