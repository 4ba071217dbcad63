/** The example tool set (`@slipstream/edge/examples`) driven by the sim's scripted loop. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExampleProject, EXAMPLE_FILES } from '../src/examples.ts';
import { chat, startRig, user, type Rig } from './helpers.ts';

vi.setConfig({ testTimeout: 30_000 });

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const TASK = 'Add a TTL to the LRU cache [[sim:tools=list_files,read_file,write_file,run_checks]]';

describe('example project tools', () => {
  it('list → read → write (a whole module) → checks pass, per conversation', async () => {
    const project = createExampleProject();
    rig = await startRig({}, { tools: project.tools });
    const r = await chat(rig.chatUrl, { messages: user(TASK), conversationId: 'demo-1' });
    expect(r.find('done')!.data).toMatchObject({ finishReason: 'stop', steps: 5 });
    const results = r.events.flatMap((e) => (e.event === 'tool_result' ? [e.data] : []));
    expect(results.map((x) => x.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(results[0]!.output).toEqual(expect.arrayContaining([{ path: 'src/lib/cache.ts', chars: EXAMPLE_FILES['src/lib/cache.ts']!.length }]));
    expect(results[1]!.output).toBe(EXAMPLE_FILES['src/lib/cache.ts']);
    const written = (results[2]!.output as { path: string; chars: number }).path;
    expect(written).toBe('src/lib/cache.ts');
    // The write's input is a whole module: hundreds of tokens of streamed tool input.
    const content = project.files('demo-1')[written]!;
    expect(content).not.toBe(EXAMPLE_FILES[written]);
    expect(content.length).toBeGreaterThan(1_500);
    expect(results[3]!.output).toMatchObject({ passed: true, problems: [] });
    // Another conversation still sees the original files.
    expect(project.files('other')[written]).toBe(EXAMPLE_FILES[written]);
  });

  it('run_checks reports a broken file; read_file of a missing path and a path escaping the project are tool errors', async () => {
    const project = createExampleProject({ files: { 'src/a.ts': 'export function f() {\n  return [1, 2;\n' } });
    const [, read, , checks] = project.tools;
    const ctx = { signal: new AbortController().signal, conversationId: 'x', toolCallId: 'toolu_1' };
    const report = (await checks!.execute!({}, ctx)) as { passed: boolean; problems: { message: string }[] };
    expect(report.passed).toBe(false);
    expect(report.problems).toEqual([
      { path: 'src/a.ts', line: 1, message: '"{" is never closed' },
      { path: 'src/a.ts', line: 2, message: '"[" is never closed' },
    ]);
    await expect(Promise.resolve(read!.execute!({ path: 'nope.ts' }, ctx))).rejects.toThrow(/No file at nope.ts. Files: src\/a.ts/);
    await expect(Promise.resolve(read!.execute!({ path: '../etc/passwd' }, ctx))).rejects.toThrow(/not a project path/);
  });

  it('approveWrites: write_file waits for approval', async () => {
    rig = await startRig({}, { tools: createExampleProject({ approveWrites: true }).tools });
    const r = await chat(rig.chatUrl, { messages: user('Add a TTL to the LRU cache [[sim:tools=write_file]]') });
    expect(r.find('done')!.data.pendingToolCalls).toEqual([expect.objectContaining({ name: 'write_file', awaiting: 'approval' })]);
  });
});
