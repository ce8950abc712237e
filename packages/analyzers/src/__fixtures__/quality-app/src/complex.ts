export function classify(value: number, strict: boolean, label?: string): string {
  if (value < 0) {
    return 'negative';
  }
  for (let index = 0; index < value; index++) {
    if (index % 2 === 0 && strict) {
      continue;
    }
  }
  while (value > 100) {
    value -= 100;
  }
  switch (value) {
    case 1:
      return 'one';
    case 2:
      return 'two';
    default:
      break;
  }
  try {
    JSON.parse(label || '{}');
  } catch {
    return 'bad';
  }
  return label ?? (strict ? 'strict' : 'lenient');
}
