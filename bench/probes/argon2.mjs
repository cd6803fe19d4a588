import { hash, verify } from '@node-rs/argon2';
const opts = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const h = await hash('warm-up password', opts);
const n = 50;
let t = performance.now();
for (let i = 0; i < n; i++) await hash(`password ${i}`, opts);
const hashMs = (performance.now() - t) / n;
t = performance.now();
for (let i = 0; i < n; i++) await verify(h, `password ${i}`);
const verifyMs = (performance.now() - t) / n;
t = performance.now();
await Promise.all(Array.from({ length: 40 }, (_, i) => verify(h, `p${i}`)));
const parallel = performance.now() - t;
console.log(
  JSON.stringify({
    hash_ms: +hashMs.toFixed(2),
    verify_ms: +verifyMs.toFixed(2),
    forty_parallel_verifies_ms: +parallel.toFixed(1),
    sample: h.slice(0, 30),
  }),
);
