import type { ReactNode } from 'react';

export const metadata = { title: 'fairmatch × Next.js' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem auto', maxWidth: 960, color: '#1c1c28' }}>
        <header style={{ marginBottom: '1.5rem' }}>
          <a href="/" style={{ fontWeight: 700, color: '#3b3bd6', textDecoration: 'none' }}>fairmatch demo marketplace</a>
        </header>
        {children}
      </body>
    </html>
  );
}
