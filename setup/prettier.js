// Runs prettier with its XML plugin from pre-commit's node environment.
// Prettier 3 looks for plugins named in a config file from the working folder,
// where they are not installed; NODE_PATH (set by pre-commit) finds them here.
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const plugin = require.resolve("@prettier/plugin-xml");
const cli = path.join(path.dirname(require.resolve("prettier/package.json")), "bin/prettier.cjs");
const args = [cli, `--plugin=${plugin}`, ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(result.status ?? 1);
