// Mermaid's own parser under Node, for tests that must show a chart block parses (issue 17). mermaid.parse
// runs without rendering, but mermaid's module sets up DOMPurify at import, which needs a `window`: a jsdom
// window is put on globalThis before mermaid is imported (dynamically, so the order holds), and closed after.
import { JSDOM } from "jsdom";

type MermaidApi = { parse(text: string): Promise<{ diagramType: string } | false> };

export interface MermaidParser {
  /** The diagram type mermaid found ("pie", "xychart"); throws mermaid's parse error when the text does not parse. */
  parse(text: string): Promise<string>;
  close(): void;
}

export async function mermaidParser(): Promise<MermaidParser> {
  const dom = new JSDOM("<!doctype html><html><body></body></html>");
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  const mermaid = (await import("mermaid")).default as unknown as MermaidApi;
  return {
    async parse(text) {
      const result = await mermaid.parse(text);
      if (!result) throw new Error("mermaid.parse returned false");
      return result.diagramType;
    },
    close() {
      dom.window.close();
      delete g.window;
      delete g.document;
    },
  };
}

/** The bodies of the ```mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1] as string);
}
