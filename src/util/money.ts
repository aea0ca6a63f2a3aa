const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let f = formatters.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    } catch {
      f = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    formatters.set(currency, f);
  }
  return f;
}

/** How many minor units make one major unit's decimals: 2 for USD, 0 for JPY (2 for an unknown code). */
export function currencyDigits(currency: string): number {
  return formatterFor(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Minor units as money in the currency's own decimals: 500000 USD → "$5,000.00", 500 JPY → "¥500". */
export function formatMoney(minor: number | null, currency: string | null): string {
  if (minor === null) return 'unbounded';
  if (currency === null) return `${minor} minor units`;
  return formatterFor(currency).format(minor / 10 ** currencyDigits(currency));
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
