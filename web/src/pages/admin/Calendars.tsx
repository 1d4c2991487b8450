// Placeholder: this admin page is being built (issue 5).
export default function CalendarsAdmin() {
  return null;
}
