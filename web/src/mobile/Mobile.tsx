// Placeholder: the grid worker's phone page is being built (issue 5).
export default function MobileApp() {
  return null;
}
