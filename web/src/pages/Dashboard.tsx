// Placeholder: the dashboards are being built (issue 5).
export default function DashboardPage() {
  return null;
}
