import { visitorKeys } from 'oxc-parser';

/** A node of the oxc ESTree-compatible AST. */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** Called for each node on the way down; return `false` to skip its children. */
export type EnterNode = (node: AstNode, parent: AstNode | undefined) => boolean | undefined;

const keys = visitorKeys as Record<string, readonly string[]>;

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
}

/** Walks an AST depth-first in source order, calling `enter` then `leave` for every node. */
export function walkAst(
  root: AstNode,
  enter: EnterNode,
  leave?: (node: AstNode, parent: AstNode | undefined) => void,
): void {
  const visit = (node: AstNode, parent: AstNode | undefined): void => {
    if (enter(node, parent) === false) return;
    const childKeys = keys[node.type];
    if (childKeys !== undefined) {
      for (const key of childKeys) {
        const child = node[key];
        if (Array.isArray(child)) {
          for (const item of child) if (isNode(item)) visit(item, node);
        } else if (isNode(child)) {
          visit(child, node);
        }
      }
    }
    leave?.(node, parent);
  };
  visit(root, undefined);
}

/** The name of an Identifier, or the value of a string Literal; undefined otherwise. */
export function nameOf(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === 'Identifier' || node.type === 'PrivateIdentifier') return node.name as string;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  return undefined;
}

/** True for a node whose value is fixed in the source (string/number literal, plain template). */
export function isConstantString(node: unknown): boolean {
  if (!isNode(node)) return false;
  if (node.type === 'Literal') return true;
  if (node.type === 'TemplateLiteral') return (node.expressions as unknown[]).length === 0;
  if (node.type === 'BinaryExpression' && node.operator === '+') {
    return isConstantString(node.left) && isConstantString(node.right);
  }
  return false;
}
