// Signs an attestation in the browser (auditor console, H10). The private
// key file is read here with WebCrypto and never leaves the page: the file
// input has no name, so the form never submits it. The payload to sign is
// the server's canonical JSON (data-payload, base64url); the result is a
// compact JWS with alg ES256 or RS256, kid = the RFC 7638 thumbprint of
// the public key, typ attestation+jws — what `cloudtrust registry sign`
// produces.
//
// On the keys page (/console/auditor/keys) the same private-key reading
// derives the key's public part as an SPKI PEM and pastes it into the
// registration form ("register this browser's key"): again only the public
// key is posted.
'use strict';
(() => {
  if (!window.crypto || !crypto.subtle) return;
  const enc = new TextEncoder();
  const b64u = (bytes) => {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const ES = { name: 'ECDSA', namedCurve: 'P-256' };
  const RS = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };

  // importKey returns {key, alg, jwk} for a PKCS#8 PEM or a private JWK.
  async function importKey(text) {
    text = text.trim();
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text);
      if (!jwk.d) throw new Error('this JWK holds only a public key');
      delete jwk.alg; delete jwk.use; delete jwk.key_ops;
      if (jwk.kty === 'EC') return { key: await crypto.subtle.importKey('jwk', jwk, ES, true, ['sign']), alg: 'ES256', jwk };
      if (jwk.kty === 'RSA') return { key: await crypto.subtle.importKey('jwk', jwk, RS, true, ['sign']), alg: 'RS256', jwk };
      throw new Error('unsupported JWK key type ' + jwk.kty);
    }
    const m = text.match(/-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/);
    if (!m) throw new Error('neither a PEM block nor a JWK');
    if (m[1] !== 'PRIVATE KEY') {
      throw new Error('"' + m[1] + '" keys cannot be read here: convert the key to PKCS#8 with openssl pkcs8 -topk8 -nocrypt -in key.pem, or sign offline');
    }
    const der = Uint8Array.from(atob(m[2].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    for (const [params, alg] of [[ES, 'ES256'], [RS, 'RS256']]) {
      try {
        const key = await crypto.subtle.importKey('pkcs8', der, params, true, ['sign']);
        return { key, alg, jwk: await crypto.subtle.exportKey('jwk', key) };
      } catch (e) { /* try the next algorithm */ }
    }
    throw new Error('the key is neither an EC P-256 nor an RSA private key');
  }

  // thumbprint is the RFC 7638 SHA-256 thumbprint of the public key.
  async function thumbprint(jwk) {
    const members = jwk.kty === 'EC'
      ? `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`
      : `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
    return b64u(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(members))));
  }

  // publicPEM returns the SPKI PEM of the public part of a private JWK.
  async function publicPEM(jwk, alg) {
    const pub = jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: 'RSA', n: jwk.n, e: jwk.e };
    const key = await crypto.subtle.importKey('jwk', pub, alg === 'ES256' ? ES : RS, true, ['verify']);
    const der = new Uint8Array(await crypto.subtle.exportKey('spki', key));
    let s = '';
    for (const b of der) s += String.fromCharCode(b);
    const lines = btoa(s).match(/.{1,64}/g).join('\n');
    return '-----BEGIN PUBLIC KEY-----\n' + lines + '\n-----END PUBLIC KEY-----\n';
  }

  const keyBox = document.getElementById('key-local');
  if (keyBox) {
    keyBox.hidden = false;
    const keyStatus = document.getElementById('key-derive-status');
    document.getElementById('key-derive').addEventListener('click', async () => {
      const file = document.getElementById('key-private').files[0];
      if (!file) { keyStatus.textContent = 'Choose the private key file first.'; return; }
      try {
        const { alg, jwk } = await importKey(await file.text());
        document.getElementById('key-text').value = await publicPEM(jwk, alg);
        keyStatus.textContent = 'Public key of ' + alg + ' key ' + (await thumbprint(jwk)) + ' filled in. Now register it.';
      } catch (e) {
        keyStatus.textContent = 'Could not read the key: ' + e.message;
      }
    });
  }

  const form = document.getElementById('sign-form');
  const box = document.getElementById('sign-local');
  if (!form || !box) return;
  box.hidden = false;
  const status = document.getElementById('sign-status');

  document.getElementById('sign-button').addEventListener('click', async () => {
    const file = document.getElementById('sign-key').files[0];
    if (!file) { status.textContent = 'Choose the private key file first.'; return; }
    try {
      const { key, alg, jwk } = await importKey(await file.text());
      const kid = await thumbprint(jwk);
      const header = b64u(enc.encode(JSON.stringify({ alg, kid, typ: 'attestation+jws' })));
      const input = header + '.' + form.dataset.payload;
      const params = alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : RS;
      const sig = new Uint8Array(await crypto.subtle.sign(params, key, enc.encode(input)));
      document.getElementById('jws').value = input + '.' + b64u(sig);
      status.textContent = 'Signed with key ' + kid + ' (' + alg + '). Now record the attestation.';
      document.getElementById('record-button').focus();
    } catch (e) {
      status.textContent = 'Could not sign: ' + e.message;
    }
  });
})();
