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


def test_png_trimmed_to_its_ink_or_left_to_the_tight_bbox(tmp_path):
    import numpy as np
    from PIL import Image

    from blinrwe.report.figures.base import new_figure, write_png_trimmed

    inside = new_figure(4, 3)
    inside.add_axes((0.3, 0.3, 0.4, 0.4)).plot([0, 1], [0, 1])
    assert write_png_trimmed(inside, tmp_path / "inside.png", dpi=50)
    image = np.asarray(Image.open(tmp_path / "inside.png").convert("L"))
    assert image.shape[1] < 4 * 50  # the white margin is gone...
    assert (image[:5] == 255).all() and (image[:, :5] == 255).all()  # ...except the padding
    assert inside.dpi == 100  # the figure's own dpi is restored

    outside = new_figure(4, 3)
    outside.text(-0.2, 0.5, "a label sticking out of the canvas")
    assert not write_png_trimmed(outside, tmp_path / "outside.png", dpi=50)
    assert not (tmp_path / "outside.png").exists()
