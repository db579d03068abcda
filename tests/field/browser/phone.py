"""Helpers of the browser tests: the screens' URLs, the phone's IndexedDB, languages, sign-out."""


def screen_url(server, distribution) -> str:
    return f"{server.url}/field/{distribution.pk}/"


READ_PHONE_DB = """async () => {
  const names = (await indexedDB.databases()).map((entry) => entry.name);
  if (!names.includes("field")) return null;
  const handle = await new Promise((resolve, reject) => {
    const request = indexedDB.open("field");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const stores = {};
  for (const name of handle.objectStoreNames) {
    stores[name] = await new Promise((resolve) => {
      const request = handle.transaction(name).objectStore(name).getAll();
      request.onsuccess = () => resolve(request.result);
    });
  }
  handle.close();
  return stores;
}"""


def phone_db(page) -> dict | None:
    """What the phone keeps in IndexedDB: {store: [records]}, None when there is no database."""
    return page.evaluate(READ_PHONE_DB)


def today_distribution(mopti):
    from django.utils import timezone

    distribution = mopti["distribution"]
    today = timezone.localdate()
    distribution.planned_start, distribution.planned_end = today, today
    distribution.save()
    return distribution


def choose_language(page, language: str) -> None:
    """Switch the screen to `language` with the footer's buttons (English is the browser's)."""
    if language != "en":
        page.click(f"footer button[lang={language}]")
        page.wait_for_load_state()


def field_word(page, key: str, **values) -> str:
    """A status message of the field script, as the page carries it in its language (templates/field/_sync.html)."""
    text = page.locator("#field-i18n").get_attribute(f"data-{key}")
    for name, value in values.items():
        text = text.replace(f"%({name})s", str(value))
    return text


SIGN_OUT = "header form.inline button[type=submit]"


def ready_offline(page, server, distribution) -> None:
    """Open the distribution (its household list kept on the phone) and the register page, online."""
    page.goto(screen_url(server, distribution))
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "async () => {"
        " const db = await new Promise((r) => { const q = indexedDB.open('field'); q.onsuccess = () => r(q.result); });"
        " const count = db.transaction('lists').objectStore('lists').count();"
        " const n = await new Promise((r) => { count.onsuccess = () => r(count.result); });"
        " db.close(); return n > 0; }"
    )


DRAFT_WORDS = {
    "en": {
        "birth year": "birth year between",
        "members": "at least one member",
        "kept": "Kept on this phone",
        "draft": "kept on this phone as a draft",
        "duplicate": "looks like household",
        "synced": "Synced",
    },
    "ar": {
        "birth year": "أدخل سنة ميلاد بين",
        "members": "للأسرة فرد واحد على الأقل",
        "kept": "محفوظ على هذا الهاتف",
        "draft": "كمسودة",
        "duplicate": "تشبه هذه الأسرة",
        "synced": "تمت المزامنة",
    },
}
