// Passkeys (WebAuthn) for the forms marked data-passkey="create" or "get":
// fetch the ceremony's options from data-options, ask the browser's
// authenticator, and submit its answer (base64url JSON) in the form's
// hidden "credential" field. koban answers the form with a page as usual.
// Without this script the forms only say that passkeys need JavaScript.
(function () {
  'use strict';

  function toBuf(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), b = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b.buffer;
  }

  function toB64u(buf) {
    if (!buf) return null;
    var b = new Uint8Array(buf), s = '';
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function creationOptions(pk) {
    pk.challenge = toBuf(pk.challenge);
    pk.user.id = toBuf(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBuf(c.id); });
    return pk;
  }

  function requestOptions(pk) {
    pk.challenge = toBuf(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBuf(c.id); });
    return pk;
  }

  function answer(cred, mode) {
    var r = cred.response, out = {
      id: cred.id, rawId: toB64u(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64u(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (mode === 'create') {
      out.response.attestationObject = toB64u(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toB64u(r.authenticatorData);
      out.response.signature = toB64u(r.signature);
      out.response.userHandle = toB64u(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function setUp(form) {
    var mode = form.getAttribute('data-passkey');
    var nojs = form.querySelector('.passkey-nojs');
    var js = form.querySelector('.passkey-js');
    var problem = form.querySelector('[data-passkey-error]');
    if (!window.PublicKeyCredential || !navigator.credentials) {
      if (nojs) nojs.textContent = form.getAttribute('data-unsupported');
      return;
    }
    if (nojs) nojs.hidden = true;
    if (js) js.hidden = false;
    var busy = false;

    function fail(msg) {
      busy = false;
      problem.textContent = msg || form.getAttribute('data-error');
      problem.hidden = false;
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (busy) return;
      busy = true;
      problem.hidden = true;
      fetch(form.getAttribute('data-options'), {
        method: 'POST', credentials: 'same-origin', headers: { 'Accept': 'application/json' }
      }).then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body.error || '');
          return body;
        });
      }).then(function (opts) {
        if (mode === 'create') {
          return navigator.credentials.create({ publicKey: creationOptions(opts.publicKey) });
        }
        return navigator.credentials.get({ publicKey: requestOptions(opts.publicKey) });
      }).then(function (cred) {
        if (!cred) throw new Error('');
        form.querySelector('input[name="credential"]').value = answer(cred, mode);
        form.submit();
      }).catch(function (err) {
        // The browser's own errors (cancelled, timed out) are in English
        // and technical: the page's message says it in the officer's language.
        fail(err && err.name === 'Error' ? err.message : '');
      });
    });
  }

  document.querySelectorAll('form[data-passkey]').forEach(setUp);
}());
