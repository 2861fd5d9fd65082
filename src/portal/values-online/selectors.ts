// Everything bookout knows about the ValuesOnline portal's pages and files (docs/portal.md, section A),
// nothing more.

export const PATHS = {
  /** Start page; shows the login form (ASP.NET forms-auth shape). */
  start: '/ValuesOnline/Home/LicenseAgreement?ReturnUrl=/ValuesOnline/',
  inventory: '/ValuesOnline/vehicle/',
};

/** The report URL always contains this; the rest of it is unknown. */
export const PDF_URL_PART = 'GetPdfReport';
export const PDF_URL_PATTERN = new RegExp(PDF_URL_PART, 'i');

export const SELECTORS = {
  username: '#usernameInput',
  password: '#passwordInput',
  loginButton: '#loginButton',
  logoutButton: '#btnLogout',
  licenseCheckbox: '#agreementCheckBox',
  /** On every page of the application (not on its error pages). */
  inventoryNavLink: "a[href='/ValuesOnline/vehicle/']",

  /** DevExpress GridView data rows. */
  gridRow: "tr[id*='DXDataRow']",
  filterBarLink: 'a.dxgvFilterBarLink',
  clearFilterLink: "a.dxgvFilterBarLink[onclick*='ClearFilter']",
  noFilterLink: "a.dxgvFilterBarLink[onclick*='ShowFilterControl']",
  stockNumberInput: '#StockNumberInput',
  bookoutLink: "a[id^='bookOutButton_'][title='Bookout']",
  bookoutImage: "img[title='Bookout'][src*='book.png']",

  exportMenu: '#primaryMenu_DXI4_T',
  exportAllColumns: '#primaryMenu_DXI4i1_T',
  exportToCsv: '#primaryMenu_DXI4i1i2_',

  /** "Print/Email Reports"; a second .reportButton with class requiresVehicle is not the one. */
  reportButton: 'button.reportButton:not(.requiresVehicle)',
  /** The other .reportButton of the vehicle page, not the one to click. */
  reportButtonDecoy: 'button.reportButton.requiresVehicle',
  createPdfButtonName: 'Create PDF',
};

/** Words of the portal's refusal when the user already has a live session. */
export const ACTIVE_SESSION_TEXT = /active session/i;

/** The page function that applies the stock-number filter (typing alone does not). */
export const STOCK_FILTER_FUNCTION = 'vehicleGridViewFilterChanged';

/** The export's column that holds the stock number used for filtering and file names. */
export const REFERENCE_COLUMN = 'Reference Number';

/** The bookout report prints the vehicle's stock number after this label. */
export const REPORT_IDENTITY = { label: /Stock\s*#\s*:?\s*([A-Za-z0-9][A-Za-z0-9-]*)/gi, name: 'Stock #' };

/** Where a fact is, and what to list when it is missing (the elements it may have become). */
export interface FactDefinition {
  page: string;
  /** The fact as a person checks it: a selector, a path, a text. */
  what: string;
  /** Elements of the page to name when the fact is missing: "the page has buttons: ...". */
  instead?: { selector: string; label: string };
}

const INPUTS = { selector: 'input, select, textarea', label: 'fields' };
const BUTTONS = { selector: "button, input[type='button'], input[type='submit']", label: 'buttons' };
const MENU = { selector: "[id^='primaryMenu'] a, a[id^='primaryMenu']", label: 'menu items' };

/**
 * The facts of docs/portal.md section A that bookout relies on, by name. `bookout check` reports
 * each; a page that loaded without one of them fails with its name (the portal has changed).
 */
const FACT_LIST = {
  startPage: { page: 'start page', what: `${PATHS.start} shows the login form`, instead: INPUTS },
  username: { page: 'login page', what: SELECTORS.username, instead: INPUTS },
  password: { page: 'login page', what: SELECTORS.password, instead: INPUTS },
  loginButton: { page: 'login page', what: SELECTORS.loginButton, instead: BUTTONS },
  licenseCheckbox: {
    page: 'license page',
    what: `${SELECTORS.licenseCheckbox} (ticking it leaves the page)`,
    instead: { selector: "input[type='checkbox']", label: 'check boxes' },
  },
  inventoryPage: { page: 'inventory page', what: `${PATHS.inventory} opens the inventory` },
  inventoryNavLink: {
    page: 'every page',
    what: SELECTORS.inventoryNavLink,
    instead: { selector: 'a[href]', label: 'links' },
  },
  logoutButton: {
    page: 'page header',
    what: SELECTORS.logoutButton,
    instead: { selector: 'a[id], button[id]', label: 'links and buttons with an id' },
  },
  gridRow: {
    page: 'inventory page',
    what: `grid data rows ${SELECTORS.gridRow}`,
    instead: { selector: 'tbody tr[id]', label: 'table rows' },
  },
  filterBarLink: {
    page: 'inventory page',
    what: `${SELECTORS.filterBarLink} (onclick ClearFilter or ShowFilterControl)`,
    instead: { selector: 'a[onclick]', label: 'links with an onclick' },
  },
  stockNumberInput: { page: 'inventory page', what: SELECTORS.stockNumberInput, instead: INPUTS },
  stockFilterFunction: { page: 'inventory page', what: `page function ${STOCK_FILTER_FUNCTION}('StockNumber')` },
  bookoutLink: {
    page: 'inventory page',
    what: `${SELECTORS.bookoutLink} holding ${SELECTORS.bookoutImage}`,
    instead: { selector: 'tbody tr a', label: 'links in the rows' },
  },
  exportMenu: { page: 'inventory page', what: `${SELECTORS.exportMenu} (Export)`, instead: MENU },
  exportAllColumns: {
    page: 'inventory page',
    what: `${SELECTORS.exportAllColumns} (Export All Columns)`,
    instead: MENU,
  },
  exportToCsv: { page: 'inventory page', what: `${SELECTORS.exportToCsv} (Export to CSV)`, instead: MENU },
  referenceColumn: { page: 'inventory export', what: `CSV column "${REFERENCE_COLUMN}"` },
  stockFilter: { page: 'inventory page', what: 'the stock-number filter shows the vehicle' },
  vehiclePage: { page: 'vehicle page', what: 'the Bookout link opens the vehicle page in the same tab' },
  reportButton: { page: 'vehicle page', what: `${SELECTORS.reportButton} (Print/Email Reports)`, instead: BUTTONS },
  reportButtonDecoy: { page: 'vehicle page', what: SELECTORS.reportButtonDecoy, instead: BUTTONS },
  createPdf: { page: 'reports dialog', what: `button "${SELECTORS.createPdfButtonName}"`, instead: BUTTONS },
  pdfUrl: { page: 'report tab', what: `Create PDF opens a tab whose URL contains ${PDF_URL_PATTERN.source}` },
  reportIdentity: {
    page: 'report PDF',
    what: `a PDF whose text names the vehicle after "${REPORT_IDENTITY.name}"`,
  },
  logout: { page: 'page header', what: `${SELECTORS.logoutButton} logs out (the login form shows again)` },
} satisfies Record<string, FactDefinition>;

export type FactName = keyof typeof FACT_LIST;
export const FACTS: Record<FactName, FactDefinition> = FACT_LIST;
