// The page's static files sit beside its compiled modules in dist/web/, which `bench serve` serves.
import { copyFileSync } from 'node:fs';

for (const file of ['index.html', 'style.css']) copyFileSync(`web/${file}`, `dist/web/${file}`);
