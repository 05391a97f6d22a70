/** @type {import('next').NextConfig} */
const nextConfig = {
  // fairmatch is a native addon (fairmatch.node): Next.js must not bundle it; server code
  // loads it with Node's own require at run time.
  serverExternalPackages: ['fairmatch'],
};

export default nextConfig;
