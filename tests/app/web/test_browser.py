"""End to end in a real browser (Debian's chromium through chromedriver, headless), in English and Chinese.

The path of a user: template download, upload of a workbook with mistakes, the findings
(escaped, filterable), the corrected upload, the settings form (a mistake shown next to
its field, then fixed), the run with its progress, the report in its sandboxed frame,
the zip downloaded and read back. Screenshots of each step go to ``BLINRWE_SCREENS``
when it is set (not into the repository).
"""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                                reason="chromium and chromedriver are not installed (apt-get install chromium "
                                       "chromium-driver; .ci/run does)")

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def browser(tmp_path, request):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    profile = tmp_path / "chromium-profile"  # under pytest's temporary folders, which it prunes
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    lang = getattr(getattr(request.node, "callspec", None), "params", {}).get("lang", "en")
    options.add_argument(f"--lang={'zh-CN' if lang == 'zh' else 'en-US'}")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    locale = "zh_CN.UTF-8" if lang == "zh" else "en_US.UTF-8"  # the browser's own words (file chooser)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER,
                                      env={**os.environ, "LANGUAGE": locale.split(".")[0], "LANG": locale})
    driver = webdriver.Chrome(options=options, service=service)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def _shot(driver, lang: str, step: str) -> None:
    folder = os.environ.get("BLINRWE_SCREENS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 6000)")
    driver.set_window_size(1280, max(800, height))
    driver.save_screenshot(str(Path(folder) / f"{lang}-{step}.png"))
    driver.set_window_size(1280, 1000)


def _downloaded(folder: Path, suffix: str, timeout: float = 20) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}: {list(folder.iterdir())}")


def _go(driver, locator: tuple[str, str]) -> None:
    """Click the element at ``locator`` and wait until the next page has replaced this one.

    The element is found afresh on each try: right after a file is chosen (send_keys on a file
    input) ChromeDriver now and then answers the click with "Node with given id does not belong
    to the document"; if the page has not moved on within a few seconds, the click is repeated
    (as a user would)."""
    page = driver.find_element(By.TAG_NAME, "html")
    for attempt in range(3):
        try:
            driver.find_element(*locator).click()
            break
        except (StaleElementReferenceException, WebDriverException):
            try:  # did the click go through after all? then the next page is loading
                WebDriverWait(driver, 3).until(EC.staleness_of(page))
                break
            except TimeoutException:
                if attempt == 2:
                    raise
    WebDriverWait(driver, 120).until(EC.staleness_of(page))


def _wait(driver, css: str, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def _only(driver, name: str, keep: set[str]) -> None:
    for box in driver.find_elements(By.CSS_SELECTOR, f'input[type=checkbox][name="{name}"]'):
        if box.is_selected() != (box.get_attribute("value") in keep):
            driver.execute_script("arguments[0].click()", box)


def _set(driver, name: str, value: str) -> None:
    field = driver.find_element(By.ID, f"in-{name}")
    field.clear()
    if value:
        field.send_keys(value)


WORDS = {
    "en": {"errors": "error", "ok": "No errors", "saved": "Finished"},
    "zh": {"errors": "错误", "ok": "没有错误", "saved": "已完成"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_user_goes_from_template_to_report(browser, live_server, workbooks, lang):
    base, log = live_server
    d = browser
    d.get(base + "/")
    if lang == "zh":
        _go(d, (By.ID, "lang-zh"))
    _wait(d, "#upload")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    _shot(d, lang, "01-start")

    # the template, in the page's language
    d.find_element(By.ID, "template-study").click()
    template = _downloaded(d.downloads, ".xlsx")
    sheets = openpyxl.load_workbook(template, read_only=True).sheetnames
    assert "patients" in " ".join(sheets) or len(sheets) > 3
    template.unlink()

    # a workbook with mistakes: the findings, the script shown as text
    d.find_element(By.ID, "file").send_keys(str(workbooks["bad"]))
    _go(d, (By.ID, "upload-button"))
    table = _wait(d, "#findings")
    assert d.find_element(By.ID, "verdict").get_attribute("class").endswith("error")
    assert "<script>alert('x')</script>" in table.text  # escaped: shown, never run
    assert d.execute_script("return document.querySelectorAll('#findings script').length") == 0
    assert "heavy" in table.text
    _shot(d, lang, "02-findings")
    errors_box = d.find_element(By.CSS_SELECTOR, '[data-filter="error"]')
    errors_box.click()
    visible = [r for r in d.find_elements(By.CSS_SELECTOR, "#findings tbody tr") if r.is_displayed()]
    assert all(r.get_attribute("data-severity") == "warning" for r in visible)
    _shot(d, lang, "03-filter-warnings")
    errors_box.click()
    assert d.find_element(By.ID, "run").get_attribute("disabled") is not None

    # the fix: the corrected workbook
    d.find_element(By.ID, "file").send_keys(str(workbooks["good"]))
    _go(d, (By.ID, "upload-button"))
    verdict = _wait(d, "#verdict")
    assert "ok" in verdict.get_attribute("class"), verdict.text
    _shot(d, lang, "04-fixed")

    # the settings: a mistake next to its field, then a small, quick study
    _go(d, (By.ID, "edit-settings"))
    _wait(d, "#settings-form")
    for opened in ("#section-endpoints details.notes", "#section-definitions details"):
        d.execute_script("document.querySelector(arguments[0]).open = true", opened)
    _shot(d, lang, "05-settings")
    _only(d, "endpoints.names", {"OS"})
    _only(d, "cox.endpoints", set())
    _only(d, "report.formats", {"html"})
    _only(d, "report.figure_formats", set())
    _set(d, "cox.covariates", "")
    _set(d, "subgroups.variables", "ph_status")
    _set(d, "survival.landmarks", "6, twelve")
    _go(d, (By.ID, "save"))
    field = _wait(d, "#field-survival-landmarks.invalid")
    assert "twelve" in field.text
    _shot(d, lang, "06-settings-problem")
    _set(d, "survival.landmarks", "6, 12")
    _go(d, (By.ID, "save-run"))

    # the run: progress by stage, then the report in its sandboxed frame
    _wait(d, "#progress")
    _shot(d, lang, "07-progress")
    WebDriverWait(d, 120, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        lambda drv: drv.find_elements(By.ID, "report") or
        drv.find_element(By.ID, "progress").get_attribute("data-state") == "failed")
    assert d.find_element(By.ID, "progress").get_attribute("data-state") == "done", \
        d.find_element(By.ID, "run-error").text
    frame = d.find_element(By.ID, "report")
    assert frame.get_attribute("sandbox") == ""
    assert all(s.get_attribute("class").split()[-1] == "done" for s in d.find_elements(By.CSS_SELECTOR, ".stage"))
    time.sleep(1)
    _shot(d, lang, "08-report")
    d.switch_to.frame(frame)
    assert len(d.find_element(By.TAG_NAME, "body").text) > 200
    d.switch_to.default_content()

    # the bundle, read back
    d.find_element(By.ID, "bundle").click()
    bundle = _downloaded(d.downloads, ".zip", timeout=30)
    names = zipfile.ZipFile(bundle).namelist()
    assert "blinrwe-output/report.html" in names and "blinrwe-output/results.csv" in names
    assert zipfile.ZipFile(bundle).read("blinrwe-output/results.csv")
    _go(d, (By.CSS_SELECTOR, ".crumbs a:nth-of-type(2)"))
    _wait(d, "#runs")
    _shot(d, lang, "09-study-with-run")
