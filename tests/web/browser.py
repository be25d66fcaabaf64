# SPDX-License-Identifier: BSD-2-Clause
"""browser.py - spfdkim-web in headless Chromium, driven by Selenium.

Run by tests/suites/76-web.sh, which starts the milter, the page and a test
Postfix and passes their places in the environment. Prints one line per
check, "PASS: name" or "FAIL: name - why", for the suite to record, and
saves a screenshot of each page into $SHOTS.
"""
import os, subprocess, sys, time, urllib.request, urllib.error, urllib.parse, glob

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from selenium.webdriver.support import expected_conditions as EC

E = os.environ
BASE = E["WEB_URL"]
TAG = E.get("WEB_TAG", "release")
REL = "web release me " + TAG   # the suite's Postfix inbox is shared by the builds


def check(name, ok, why=""):
    line = ("PASS: " if ok else "FAIL: ") + f"web ({TAG}): {name}" + ("" if ok else f" - {why}")
    print(line, flush=True)


def shot(drv, name):
    d = E.get("SHOTS")
    if d:
        drv.set_window_size(1200, 1600)
        drv.save_screenshot(os.path.join(d, name + ".png"))


def click_and_wait(drv, by, what):
    """Clicks a submit button and waits until the next page replaced this one."""
    old = drv.find_element(By.TAG_NAME, "html")
    drv.find_element(by, what).click()
    WebDriverWait(drv, 30).until(EC.staleness_of(old))


def bridge_send(spool_name, body_lines, sender):
    """Runs xmail-milter-bridge on a spool file like XMail does; returns (rc, .rej line)."""
    f = os.path.join(E["WORK"], spool_name + ".xtmp")
    env = ("client.e2e.test;[127.0.0.1]:40000;e2e.test;[127.0.0.1]:25;"
           "Sun, 06 Dec 2026 10:00:00 -0000;[XMail 1.27 ESMTP Server]\r\n"
           f"e2e.test\r\nS9\r\nMAIL FROM:<{sender}>\r\nRCPT TO:<bob@e2e.test> {{ra=bob@e2e.test}}\r\n<<MAIL-DATA>>\r\n")
    with open(f, "w", newline="") as fh:
        fh.write(env + "\r\n".join(body_lines) + "\r\n")
    rc = subprocess.call([E["BRIDGE"], "--stage", "post-data", "--milter", E["MILTER_SOCK"], "--file", f,
                          "--auth", "-", "--remote", "[127.0.0.1]:40000", "--local", "[127.0.0.1]:25",
                          "--from", sender, "--rcpt", "bob@e2e.test", "--msgref", "S9", "--timeout", "30",
                          "--on-error", "fail-open", "--log", "none"])
    rej = ""
    if os.path.exists(f + ".rej"):
        rej = open(f + ".rej").readline().strip()
    return rc, rej


def spam_files():
    return sorted(glob.glob(os.path.join(E["SPAM"], "new", "*")) + glob.glob(os.path.join(E["SPAM"], "cur", "*")))


opts = webdriver.ChromeOptions()
for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run",
          "--user-data-dir=" + E["CHROME_PROFILE"], "--window-size=1200,1600"]:
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
drv.set_page_load_timeout(60)
try:
    # --- login -----------------------------------------------------------
    drv.get(BASE + "/settings")
    check("an unauthenticated visit lands on the login form", drv.current_url.endswith("/login")
          and drv.find_elements(By.ID, "password"), drv.current_url)
    shot(drv, "login")
    drv.find_element(By.ID, "user").send_keys("admin")
    drv.find_element(By.ID, "password").send_keys("wrong password")
    click_and_wait(drv, By.ID, "login")
    check("a wrong password is refused (Wrong user or password, still on /login)",
          "Wrong user or password" in drv.page_source and drv.current_url.endswith("/login"), drv.current_url)
    drv.find_element(By.ID, "user").send_keys("admin")
    drv.find_element(By.ID, "password").send_keys(E["WEB_PASSWORD"])
    click_and_wait(drv, By.ID, "login")
    check("the right password logs in and shows Settings", drv.current_url.endswith("/settings")
          and "<legend>SPF</legend>" in drv.page_source, drv.current_url)
    cookies = {c["name"]: c for c in drv.get_cookies()}
    sid = cookies.get("sid", {})
    check("the session cookie is HttpOnly and SameSite=Strict",
          sid.get("httpOnly") is True and sid.get("sameSite") == "Strict", str(sid))

    # --- POST without the CSRF token: 403, even with the session cookie ----
    req = urllib.request.Request(BASE + "/settings", data=b"k_SPFFailAction=reject", method="POST",
                                 headers={"Cookie": "sid=" + sid.get("value", "")})
    try:
        code = urllib.request.urlopen(req).status
    except urllib.error.HTTPError as e:
        code = e.code
    check("a POST with the session cookie but without the CSRF token gets 403", code == 403, f"status {code}")
    conf_before = open(E["CONF"]).read()
    check("... and the config file is unchanged", "SPFFailAction" not in conf_before or
          "SPFFailAction reject" not in conf_before, "")

    # --- settings: help from the man page, save, reload -------------------
    src = drv.page_source
    check("each key shows its one-line help from the man page",
          "Action for an SPF fail result" in src and "Skip SPF for the clients listed in this file." in src, "")
    shot(drv, "settings")
    Select(drv.find_element(By.ID, "k_SPFFailAction")).select_by_visible_text("save-reject")
    click_and_wait(drv, By.ID, "save")
    note = drv.find_element(By.ID, "notice").text
    check("Save writes SPFFailAction save-reject and the milter says it reloaded",
          "reloaded the configuration" in note and "SPFFailAction save-reject" in open(E["CONF"]).read(), note)
    check("Save keeps the previous file as .bak", os.path.exists(E["CONF"] + ".bak")
          and open(E["CONF"] + ".bak").read() == conf_before, "")
    rc, rej = bridge_send("fail1", ["From: a@fail.e2e.test", "To: bob@e2e.test", "Subject: " + REL,
                                    "Content-Type: text/plain", "", "please release me"], "a@fail.e2e.test")
    check("the next SPF-fail message through the bridge gets 550 (exit 3, .rej)",
          rc == 3 and rej.startswith("550 5.7.23"), f"rc={rc} rej={rej!r}")
    check("... and lands in the spam folder",
          any(REL in open(p, errors="replace").read() for p in spam_files()), str(spam_files()))

    # --- whitelist: a bad line is named, the file stays ------------------
    wl_before = open(E["WHITELIST"]).read()
    ta = drv.find_element(By.ID, "whitelist")
    ta.clear()
    ta.send_keys("192.0.2.1 a host\n10.0.0.0/8\n300.1.2.3 bad\n2001:db8::/32\n")
    click_and_wait(drv, By.ID, "wl_save")
    note = drv.find_element(By.ID, "notice").text
    check("an invalid whitelist line is refused with its line named (line 3 \"300.1.2.3 bad\")",
          "line 3" in note and "300.1.2.3" in note, note)
    check("... and the whitelist file is unchanged", open(E["WHITELIST"]).read() == wl_before, "")
    ta = drv.find_element(By.ID, "whitelist")
    ta.clear()
    ta.send_keys("192.0.2.1 a host\n192.0.2.10-192.0.2.20\n198.51.100.0/255.255.255.0\n2001:db8::/32 v6\n")
    click_and_wait(drv, By.ID, "wl_save")
    note = drv.find_element(By.ID, "notice").text
    check("a valid whitelist (single, a-b, addr/netmask, IPv6, comments) is saved and reloaded",
          "reloaded" in note and "198.51.100.0/255.255.255.0" in open(E["WHITELIST"]).read(), note)

    if E.get("MAILROOT"):
        Select(drv.find_element(By.ID, "stage_sel")).select_by_visible_text("post-rcpt")
        click_and_wait(drv, By.ID, "stage_save")
        pr = open(os.path.join(E["MAILROOT"], "filters.post-rcpt.tab")).read()
        pd = open(os.path.join(E["MAILROOT"], "filters.post-data.tab")).read()
        check("the XMail stage switch moves the bridge line to filters.post-rcpt.tab, other lines untouched",
              "xmail-milter-bridge" in pr and '"--stage"\t"post-rcpt"' in pr and "xmail-milter-bridge" not in pd
              and "other-filter" in pd and "post-rcpt" in drv.find_element(By.ID, "stage").text, pr + "|" + pd)

    # --- spam log ----------------------------------------------------------
    drv.get(BASE + "/spamlog")
    rows = drv.find_elements(By.CSS_SELECTOR, "#log tr")
    first = rows[1].text if len(rows) > 1 else ""
    check("the spam log lists the save-reject line, newest first",
          "a@fail.e2e.test" in first and "save-reject" in first, first)
    shot(drv, "spamlog")
    drv.get(BASE + "/spamlog?log=spam&action=reject")
    none = drv.find_element(By.ID, "count").text
    drv.get(BASE + "/spamlog?log=spam&action=save-reject&domain=fail.e2e.test&result=fail&from=2000-01-01&to=2999-12-31")
    some = drv.find_element(By.ID, "count").text
    check("the filters work: action=reject shows 0 lines, save-reject + domain + result + dates show it",
          none.startswith("0 matching") and some.startswith("1 matching"), none + " | " + some)
    drv.get(BASE + "/spamlog?log=decision&result=fail")
    rows = drv.find_elements(By.CSS_SELECTOR, "#log tr")
    check("the decision log view shows the spf=fail decision",
          len(rows) > 1 and "fail" in rows[1].text and "save-reject" in rows[1].text, rows[1].text if len(rows) > 1 else "")

    # --- spam folder -------------------------------------------------------
    drv.get(BASE + "/spam")
    rows = [r for r in drv.find_elements(By.CSS_SELECTOR, "tr.copy") if REL in r.text]
    check("the spam folder lists the message with client, sender, recipients, results and action",
          len(rows) == 1 and all(x in rows[0].text for x in ["127.0.0.1", "a@fail.e2e.test", "bob@e2e.test",
                                                               "spf=fail", "save-reject"]),
          rows[0].text if rows else drv.find_element(By.ID, "copies").text)
    shot(drv, "spam")
    inbox = E["INBOX"]
    before = len(glob.glob(os.path.join(inbox, "*")))
    if rows:
        old = drv.find_element(By.TAG_NAME, "html")
        rows[0].find_element(By.CSS_SELECTOR, "button.release").click()
        WebDriverWait(drv, 30).until(EC.staleness_of(old))
    note = drv.find_element(By.ID, "notice").text if drv.find_elements(By.ID, "notice") else ""
    got = []
    for _ in range(200):
        got = [p for p in glob.glob(os.path.join(inbox, "*")) if REL in open(p, errors="replace").read()]
        if got:
            break
        time.sleep(0.1)
    time.sleep(1)
    got = [p for p in glob.glob(os.path.join(inbox, "*")) if REL in open(p, errors="replace").read()]
    check("release delivers the message to the recipient's Maildir, once",
          "Released" in note and len(got) == 1 and len(glob.glob(os.path.join(inbox, "*"))) == before + 1,
          f"{note!r} delivered {len(got)}")
    check("... and the copy has left the spam folder",
          not any(REL in open(p, errors="replace").read() for p in spam_files())
          and REL not in drv.find_element(By.ID, "copies").text, str(spam_files()))

    # --- a hostile HTML message is shown inert -----------------------------
    rc, rej = bridge_send("html1", ["From: a@fail.e2e.test", "To: bob@e2e.test", "Subject: web html",
                                    "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8", "",
                                    "<html><body><script>document.title='pwned';</script>",
                                    "<img src=\"http://192.0.2.1/track.png\" id=\"remote\">",
                                    "<b>bold?</b></body></html>"], "a@fail.e2e.test")
    drv.get(BASE + "/spam")
    link = [r for r in drv.find_elements(By.CSS_SELECTOR, "tr.copy") if "web html" in r.text]
    if link:
        link[0].find_element(By.CSS_SELECTOR, "a.view").click()
    pre = drv.find_element(By.ID, "message").text if drv.find_elements(By.ID, "message") else ""
    check("an HTML message with <script> and a remote image is shown as text",
          rc == 3 and "<script>document.title='pwned';</script>" in pre and '<img src="http://192.0.2.1/track.png"' in pre,
          f"rc={rc} {pre[:200]!r}")
    check("... nothing of it runs or loads: no script, no img in the page, title unchanged",
          drv.find_elements(By.TAG_NAME, "script") == [] and drv.find_elements(By.TAG_NAME, "img") == []
          and "pwned" not in drv.title, drv.title)
    shot(drv, "spam-view")

    # --- retention: a copy backdated past SpamRetentionDays -----------------
    html_copy = [p for p in spam_files() if "web html" in open(p, errors="replace").read()]
    old_name = None
    if html_copy:
        import shutil
        old_name = os.path.join(E["SPAM"], "new", "1000000000.M1P1Q1.spfdkim.backdated")
        shutil.copy(html_copy[0], old_name)
        t = time.time() - 40 * 86400
        os.utime(old_name, (t, t))
    drv.get(BASE + "/spam")
    check("a copy backdated 40 days (SpamRetentionDays 30) disappears when the page opens",
          old_name is not None and not os.path.exists(old_name)
          and "just removed 1" in drv.find_element(By.ID, "retention").text,
          drv.find_element(By.ID, "retention").text)

    # --- delete ---------------------------------------------------------------
    rows = [r for r in drv.find_elements(By.CSS_SELECTOR, "tr.copy") if "web html" in r.text]
    if rows:
        old = drv.find_element(By.TAG_NAME, "html")
        rows[0].find_element(By.CSS_SELECTOR, "button.delete").click()
        WebDriverWait(drv, 30).until(EC.staleness_of(old))
    check("delete removes the copy (file gone, not listed)",
          rows != [] and not any("web html" in open(p, errors="replace").read() for p in spam_files())
          and "web html" not in drv.find_element(By.ID, "copies").text, str(spam_files()))

    # --- report ---------------------------------------------------------------
    drv.get(BASE + "/report?since=all")
    src = drv.page_source
    check("the report tab shows the live report of the decision log (spfdkim-milter report, what-if)",
          "spfdkim-milter report" in src and "<svg" in src and "decision log" in src, src[:200])
    shot(drv, "report")
finally:
    drv.quit()
