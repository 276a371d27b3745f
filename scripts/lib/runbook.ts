// The runbook's commands as CI runs them: the fenced blocks of docs/runbook.md whose info string is `sh runbook`, in
// order (test/repairs.test.ts runs them with bash against the test servers). Other blocks are shown, not run.
export function runbookBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const fence = /^```sh runbook[^\n]*\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) blocks.push(m[1]!.trimEnd());
  return blocks;
}
