// Renders the API's own openapi.json with Swagger UI. A file of its own (no inline script) so
// the page works under `default-src 'self'`.
(function () {
  'use strict';

  // The page is served at <prefix>/docs/, the document at <prefix>/openapi.json.
  var spec = new URL('../openapi.json', window.location.href).href;

  // The API reads credentials on every request (a read by a signed-in user may show more), but
  // the document marks only protected methods with a security requirement, and Swagger UI sends
  // credentials only there. Once the reader has authorized, send them on every same-origin call.
  function withCredentials(request) {
    var ui = window.ui;
    var target = new URL(request.url, window.location.href);
    if (!ui || target.origin !== window.location.origin || request.headers.Authorization) {
      return request;
    }
    var basic = ui.authSelectors.authorized().getIn(['basic', 'value']);
    if (basic && basic.get('username')) {
      var pair = basic.get('username') + ':' + (basic.get('password') || '');
      var bytes = new TextEncoder().encode(pair);
      var binary = '';
      bytes.forEach(function (b) { binary += String.fromCharCode(b); });
      request.headers.Authorization = 'Basic ' + window.btoa(binary);
    }
    return request;
  }

  window.ui = window.SwaggerUIBundle({
    url: spec,
    dom_id: '#swagger-ui',
    deepLinking: true,
    layout: 'BaseLayout',
    // The default sends the document to validator.swagger.io: nothing leaves the machine.
    validatorUrl: null,
    requestInterceptor: withCredentials,
  });
})();
