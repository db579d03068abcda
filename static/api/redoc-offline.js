// Loaded before Redoc's bundle on /api/redoc/ (templates/drf_spectacular/redoc.html).
// Redoc's sidebar credits Redocly with a logo fetched from cdn.redoc.ly. The documentation works offline and
// its Content-Security-Policy allows no remote image, so the browser reported a blocked request on every
// visit (issue 18): a source on that host is never set on an image, and the credit stays a text link.
(function () {
  "use strict";
  var REMOTE_LOGO = /^https?:\/\/cdn\.redoc\.ly\//i;
  var source = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: source.enumerable,
    get: function () {
      return source.get.call(this);
    },
    set: function (value) {
      if (!REMOTE_LOGO.test(String(value))) {
        source.set.call(this, value);
      }
    },
  });
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && REMOTE_LOGO.test(String(value))) {
      return undefined;
    }
    return setAttribute.call(this, name, value);
  };
})();
