// The sign-in page: whoever arrives here is signed out (they signed out, or their session expired).
// The field app's household lists (names, phone numbers) are wiped from this phone; records not sent yet
// (receipts, registrations and drafts) stay, bound to their officer, and are sent when they sign in again.
"use strict";
(function () {
  if (!window.indexedDB) return;
  const request = indexedDB.open("field");
  request.onupgradeneeded = () => request.transaction.abort(); // no field data on this phone: create nothing
  request.onerror = () => {};
  request.onsuccess = () => {
    const handle = request.result;
    const stores = ["lists", "conflicts"].filter((name) => handle.objectStoreNames.contains(name));
    if (!stores.length) { handle.close(); return; }
    const transaction = handle.transaction(stores, "readwrite");
    stores.forEach((name) => transaction.objectStore(name).clear());
    transaction.oncomplete = transaction.onerror = () => handle.close();
  };
})();
