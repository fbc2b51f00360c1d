// Checks a contract's evidence in the browser, trusting none of the server's conclusions: SHA-256(0x00 ‖ terms) must
// be the evidence code, folding the audit path into it (RFC 9162 §2.1.3.2) must give the batch's root, and that root
// must be the one the ledger entry carries.
"use strict";

const hex = bytes => Array.from(new Uint8Array(bytes), b => b.toString(16).padStart(2, "0")).join("");
const unhex = text => new Uint8Array(text.match(/../g).map(h => parseInt(h, 16)));

async function sha256(...parts) {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

async function rootOf(leaf, index, size, path) {
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) {
      return null;
    }
    if ((fn & 1) === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(1), p, r);
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = await sha256(Uint8Array.of(1), r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : null;
}

async function check() {
  const proof = document.getElementById("proof");
  const verdict = document.getElementById("proof-verdict");
  const terms = new TextEncoder().encode(document.getElementById("terms").textContent);
  const leaf = await sha256(Uint8Array.of(0), terms);
  const path = JSON.parse(proof.dataset.path).map(unhex);
  const root = await rootOf(leaf, Number(proof.dataset.leafIndex), Number(proof.dataset.leafCount), path);
  const steps = [
    [hex(leaf) === proof.dataset.evidenceCode, proof.dataset.saysLeaf],
    [root !== null && hex(root) === proof.dataset.root, proof.dataset.saysRoot],
    [proof.dataset.root === proof.dataset.entryRoot, proof.dataset.saysEntry],
  ];
  const failed = steps.find(([held]) => !held);
  verdict.dataset.verdict = failed ? "bad" : "ok";
  verdict.className = failed ? "refusal" : "done";
  verdict.textContent = failed ? proof.dataset.saysBad + " " + failed[1] : proof.dataset.saysOk;
}

document.getElementById("proof-check").addEventListener("click", check);
check();
