export function shout(text: string): string {
  return `${text.toUpperCase()}!`;
}

export function reverse(text: string): string {
  const letters = text.split('');
  letters.reverse();
  return letters.join('');
}

export function truncate(text: string, length: number): string {
  if (text.length <= length) {
    return text;
  }
  const cut = text.slice(0, length);
  return `${cut}...`;
}
