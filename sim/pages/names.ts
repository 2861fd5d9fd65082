// The names by which a downloader finds things in the portal's pages (ids, classes, texts, URLs), and
// the other names each takes when the portal renames it (option `renamed`).

/** Each known fact of the pages, by the name `renamed` uses, with the value the portal shows. */
const KNOWN = {
  username: 'usernameInput',
  password: 'passwordInput',
  loginButton: 'loginButton',
  logoutButton: 'btnLogout',
  licenseCheckbox: 'agreementCheckBox',
  inventoryNavLink: '/ValuesOnline/vehicle/',
  gridRow: 'vehicleGridView_DXDataRow',
  filterBarLink: 'dxgvFilterBarLink',
  stockNumberInput: 'StockNumberInput',
  bookoutLink: 'bookOutButton_',
  exportMenu: 'primaryMenu_DXI4_T',
  exportAllColumns: 'primaryMenu_DXI4i1_T',
  exportCsv: 'primaryMenu_DXI4i1i2_',
  reportButton: 'reportButton',
  createPdf: 'Create PDF',
  pdfUrl: '/ValuesOnline/Reports/GetPdfReport',
  referenceColumn: 'Reference Number',
  stockLabel: 'Stock #',
};

export type Fact = keyof typeof KNOWN;
export type PageNames = Record<Fact, string>;

export const RENAMEABLE_FACTS = Object.keys(KNOWN) as Fact[];

/** What each fact becomes when renamed: close to the original, as an upgrade of the portal might do. */
const RENAMED: PageNames = {
  username: 'UserName',
  password: 'Password',
  loginButton: 'btnSignIn',
  logoutButton: 'lnkSignOut',
  licenseCheckbox: 'chkLicenseAgreement',
  // Still the inventory (the query is ignored), but no longer the exact href.
  inventoryNavLink: '/ValuesOnline/vehicle/?view=grid',
  gridRow: 'vehicleGridView_DXRow',
  filterBarLink: 'dxgvFilterBarButton',
  stockNumberInput: 'txtStockNumber',
  bookoutLink: 'btnBookout_',
  exportMenu: 'primaryMenu_DXI5_T',
  exportAllColumns: 'primaryMenu_DXI4i2_T',
  exportCsv: 'primaryMenu_DXI4i1i3_',
  reportButton: 'reportsButton',
  createPdf: 'Generate PDF',
  pdfUrl: '/ValuesOnline/Reports/BookoutReport',
  referenceColumn: 'Reference No.',
  stockLabel: 'Stock No.',
};

export function pageNames(renamed: readonly Fact[]): PageNames {
  return Object.fromEntries(
    RENAMEABLE_FACTS.map((fact) => [fact, renamed.includes(fact) ? RENAMED[fact] : KNOWN[fact]]),
  ) as PageNames;
}
