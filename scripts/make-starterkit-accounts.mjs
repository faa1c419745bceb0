#!/usr/bin/env node
// Writes the two demo accounts of examples/starterkit in the on-disk format Kirby uses:
// site/accounts/<id>/index.php (credentials), .htpasswd (bcrypt hash, PHP's $2y$ prefix) and an empty user.txt.
// Running it again replaces the hashes (bcrypt salts are random); the passwords stay the same.
import { hash, verify } from "@node-rs/bcrypt";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const accountsRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "examples", "starterkit", "site", "accounts");

const accounts = [
  {
    id: "miraC001",
    email: "admin@example.com",
    language: "en",
    name: "Mira Castell",
    role: "admin",
    password: "sheaf-admin-2026",
  },
  {
    id: "jonahO01",
    email: "editor@example.com",
    language: "en",
    name: "Jonah Okafor",
    role: "editor",
    password: "sheaf-editor-2026",
  },
];

function phpString(value) {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

// Same layout Kirby writes: no trailing newline after `];`.
function indexPhp(credentials) {
  const lines = Object.entries(credentials).map(([key, value]) => `    ${phpString(key)} => ${phpString(value)}`);
  return `<?php\n\nreturn [\n${lines.join(",\n")}\n];`;
}

async function passwordHash(password) {
  // PHP's password_hash() writes the $2y$ variant; the algorithm is the same as $2b$.
  const phpHash = (await hash(password, 10)).replace(/^\$2b\$/, "$2y$");
  if (!(await verify(password, phpHash))) throw new Error("bcrypt hash does not verify");
  return phpHash;
}

for (const { id, password, email, language, name, role } of accounts) {
  const dir = join(accountsRoot, id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "index.php"), indexPhp({ email, language, name, role }));
  await writeFile(join(dir, ".htpasswd"), await passwordHash(password));
  await writeFile(join(dir, "user.txt"), "");
  console.log(`wrote ${id} <${email}> (${role})`);
}
