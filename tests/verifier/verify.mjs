// An outside verifier for Sabak's credentials, built the way a wallet or an employer's
// verifier built on Digital Bazaar's libraries is: @digitalbazaar/vc, the DataIntegrityProof
// suite with the eddsa-rdfc-2022 cryptosuite, and Bitstring Status List for revocation.
// Its document loader reaches the running app only, over HTTP: keys, the issuer document,
// the status list, and the JSON-LD contexts (the app's copies, checked against pinned digests).
//
// usage: node verify.mjs <credential.json> <base-url> [--resolve-fragments]
//   --resolve-fragments: dereference '#fragment' URLs within the fetched document as
//   Controlled Identifiers 1.0 (section 3.3 and Fragment Resolution) describes; without it
//   the loader returns whatever the URL serves, as a plain HTTP loader does (HTTP never
//   sends the fragment).
// Prints one JSON line {verified, revoked, error}. Exit 0: verified and not revoked;
// 1: not verified; 2: verified but revoked; 64: bad usage.
import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

// Context URL -> [file the app serves under /contexts/, sha256 of its bytes]. A verifier
// never trusts a context it cannot pin: these are the digests of the published files.
const CONTEXTS = new Map([
  ['https://www.w3.org/ns/credentials/v2', ['credentials-v2.jsonld',
    '59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734']],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', ['ob-v3p0-context-3.0.3.json',
    'ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761']],
  ['https://w3id.org/security/multikey/v1', ['multikey-v1.jsonld',
    'c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6']],
]);

const [file, baseArg, ...flags] = process.argv.slice(2);
if(!file || !baseArg || flags.some(f => f !== '--resolve-fragments')) {
  console.error('usage: node verify.mjs <credential.json> <base-url> [--resolve-fragments]');
  process.exit(64);
}
const base = baseArg.replace(/\/+$/, '');
const resolveFragments = flags.includes('--resolve-fragments');

async function get(url) {
  const response = await fetch(url, {
    headers: {accept: 'application/ld+json, application/json'}, redirect: 'error'
  });
  if(!response.ok) {
    throw new Error(`GET ${url}: HTTP ${response.status}`);
  }
  return Buffer.from(await response.arrayBuffer());
}

function fromTheApp(url) {
  if(!(url === base || url.startsWith(base + '/') || url.startsWith(base + '#'))) {
    throw new Error(`refusing to fetch ${url}: not from the app at ${base}`);
  }
}

// Controlled Identifiers 1.0, "Fragment Resolution": the first map whose id is the URL.
function findById(node, id) {
  if(Array.isArray(node)) {
    for(const item of node) {
      const found = findById(item, id);
      if(found) {
        return found;
      }
    }
  } else if(node && typeof node === 'object') {
    if(node.id === id) {
      return node;
    }
    for(const [key, value] of Object.entries(node)) {
      if(key !== '@context') {
        const found = findById(value, id);
        if(found) {
          return found;
        }
      }
    }
  }
  return null;
}

// Controlled Identifiers 1.0, section 3.3 "Retrieve Verification Method", for '#' URLs.
function dereferenceFragment(url, resource, document) {
  if(document.id !== resource) {
    throw new Error(`the document at ${resource} has id ${document.id}`);
  }
  const method = findById(document, url);
  if(!method) {
    throw new Error(`no ${url} in the document at ${resource}`);
  }
  if(method.controller !== resource) {
    throw new Error(`${url} is controlled by ${method.controller}, not ${resource}`);
  }
  return method;
}

async function documentLoader(url) {
  const context = CONTEXTS.get(url);
  if(context) {
    const [name, digest] = context;
    const bytes = await get(`${base}/contexts/${name}`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if(actual !== digest) {
      throw new Error(`the app's copy of ${url} has sha256 ${actual}, not ${digest}`);
    }
    return {contextUrl: null, documentUrl: url, document: JSON.parse(bytes)};
  }
  fromTheApp(url);
  const [resource] = url.split('#');
  let document = JSON.parse(await get(resource));
  if(resolveFragments && url !== resource) {
    document = dereferenceFragment(url, resource, document);
  }
  return {contextUrl: null, documentUrl: url, document};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

// The issuer's controlled identifier document, handed to the proof purpose as the controller.
// Why not let jsonld-signatures fetch it: it would JSON-LD-frame the document, and that needs
// the https://www.w3.org/ns/cid/v1 context, which no npm package ships and this verifier may
// not fetch from w3.org. Controlled Identifiers 1.0 gives a document the same meaning with or
// without JSON-LD processing, so the checks are done on the JSON: the document is the
// issuer's own (its id is the issuer id), and the proof purpose then requires it to list the
// proof's verification method under assertionMethod.
async function issuerDocument(credential) {
  const issuer = typeof credential.issuer === 'object' ? credential.issuer?.id : credential.issuer;
  if(typeof issuer !== 'string') {
    throw new Error('the credential names no issuer');
  }
  fromTheApp(issuer);
  const {document} = await documentLoader(issuer);
  if(document.id !== issuer) {
    throw new Error(`the document at ${issuer} has id ${document.id}`);
  }
  return document;
}

async function verifyOne(credential) {
  const controller = await issuerDocument(credential);
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, controller, checkStatus: checkRevocation
  });
  if(result.verified) {
    // With the controller given, jsonld-signatures does not compare the key's own
    // controller with it: do, so a key document cannot claim another issuer.
    for(const {verificationMethod} of result.results) {
      if(verificationMethod?.controller !== controller.id) {
        return {verified: false, error: new Error(
          `key ${verificationMethod?.id} is controlled by ${verificationMethod?.controller}`)};
      }
    }
  }
  return result;
}

// Bitstring Status List: the list is itself a credential, verified like the badge before
// its bit is read.
async function checkRevocation({credential}) {
  const entries = [credential.credentialStatus].flat();
  for(const entry of entries) {
    const {document: list} = await documentLoader(entry.statusListCredential);
    const listResult = await verifyOne(list);
    if(!listResult.verified) {
      return {verified: false, error: new Error(
        `status list not verified: ${describe(listResult)}`)};
    }
  }
  return checkStatus({
    credential, documentLoader, suite, verifyBitstringStatusListCredential: false
  });
}

function describe(result) {
  const errors = [result.error, ...(result.results || []).map(r => r.error)]
    .flat().filter(Boolean);
  return errors.map(e => e.message || String(e)).join('; ') || 'not verified';
}

let output;
try {
  const credential = JSON.parse(await readFile(file, 'utf8'));
  const result = await verifyOne(credential);
  const statuses = result.statusResult?.results || [];
  const revoked = statuses.some(s => s.status === true);
  output = {verified: result.verified, revoked, error: result.verified ? null : describe(result)};
} catch(error) {
  output = {verified: false, revoked: false, error: error.message || String(error)};
}
console.log(JSON.stringify(output));
process.exit(!output.verified ? 1 : output.revoked ? 2 : 0);
