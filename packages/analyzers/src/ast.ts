import { visitorKeys } from 'oxc-parser';

/** A node of the oxc ESTree-compatible AST. */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** Called for each node on the way down. */
export type EnterNode = (node: AstNode, parent: AstNode | undefined) => void;

/** A pass over the AST; several visitors can share one walk (see {@link walkAst}). */
export interface AstVisitor {
  enter(node: AstNode, parent: AstNode | undefined): void;
  leave?(node: AstNode): void;
}

const keys = visitorKeys as Record<string, readonly string[]>;

/**
 * Type-only subtrees: no code runs in them, so no analysis needs to see them. Skipping them makes
 * walks of TypeScript much cheaper.
 */
const TYPE_ONLY = new Set([
  'TSTypeAnnotation',
  'TSTypeParameterDeclaration',
  'TSTypeParameterInstantiation',
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSDeclareFunction',
  'TSIndexSignature',
]);

/**
 * Walks an AST depth-first in source order, calling every visitor's `enter` then (after the
 * children) `leave`. Type-only TypeScript subtrees (annotations, interfaces, type aliases) are
 * skipped.
 */
export function walkAst(root: AstNode, visitors: readonly AstVisitor[]): void {
  const count = visitors.length;
  const visit = (node: AstNode, parent: AstNode | undefined): void => {
    for (let index = 0; index < count; index++) visitors[index]!.enter(node, parent);
    const childKeys = keys[node.type];
    if (childKeys !== undefined) {
      for (let k = 0; k < childKeys.length; k++) {
        const child = node[childKeys[k]!] as AstNode | AstNode[] | null | undefined;
        if (child === null || child === undefined) continue;
        if (Array.isArray(child)) {
          for (let c = 0; c < child.length; c++) {
            const item = child[c];
            if (item !== null && item !== undefined && !TYPE_ONLY.has(item.type)) visit(item, node);
          }
        } else if (typeof child.type === 'string' && !TYPE_ONLY.has(child.type)) {
          visit(child, node);
        }
      }
    }
    for (let index = 0; index < count; index++) visitors[index]!.leave?.(node);
  };
  visit(root, undefined);
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
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
