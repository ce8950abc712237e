export function summariseAgain(items: Array<{ name: string; price: number; quantity: number }>): string {
  const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
  const names = items.map((item) => item.name.trim().toUpperCase()).join(', ');
  const average = items.length === 0 ? 0 : total / items.length;
  const expensive = items.filter((item) => item.price > average).map((item) => item.name);
  const message = `Total ${total.toFixed(2)} for ${names}; above average: ${expensive.join(', ')}`;
  return message.length > 200 ? `${message.slice(0, 197)}...` : message;
}
