// Placeholder: this admin page is being built (issue 5).
export default function UnitsAdmin() {
  return null;
}
