// Page templates of the simulated ValuesOnline portal. The ids, classes and texts a downloader relies on
// come from `PageNames` (the known ones, unless the portal renames some).
import type { Vehicle } from '../inventory.ts';
import { GRID_COLUMNS } from '../csv.ts';
import type { GridFilter } from '../sessions.ts';
import type { PageNames } from './names.ts';
import type { ReportTab } from '../options.ts';

export const LOGIN_PATH = '/ValuesOnline/Home/LicenseAgreement';
export const INVENTORY_PATH = '/ValuesOnline/vehicle/';
/** Where a Bookout click selects its vehicle first (`bookoutLinks: 'selects'`). */
export const SELECT_PATH = '/ValuesOnline/vehicle/Select';

export function escapeHtml(text: string | number): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function document(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - ValuesOnline</title>
<link rel="stylesheet" href="/ValuesOnline/Content/site.css">${head}</head>
<body>${body}</body></html>`;
}

export interface GridView {
  rows: string;
  filterBar: string;
  pager: string;
}

/** The portal's pages, with its names and its vehicle-page address. */
export class Pages {
  readonly names: PageNames;
  readonly vehiclePath: (key: string) => string;
  readonly bookoutLinks: 'href' | 'script' | 'selects';
  readonly reportTab: ReportTab;

  constructor(
    names: PageNames,
    vehiclePath: (key: string) => string,
    bookoutLinks: 'href' | 'script' | 'selects' = 'href',
    reportTab: ReportTab = 'script',
  ) {
    this.names = names;
    this.vehiclePath = vehiclePath;
    this.bookoutLinks = bookoutLinks;
    this.reportTab = reportTab;
  }

  /** The Bookout link's href and click handler: the address itself, or a script that goes there. */
  #bookoutTarget(key: string): string {
    const path = escapeHtml(this.vehiclePath(key));
    if (this.bookoutLinks === 'href') return `href="${path}"`;
    if (this.bookoutLinks === 'selects') {
      const select = `${SELECT_PATH}?key=${encodeURIComponent(key)}`;
      const go = "fetch(this.dataset.select, { method: 'POST' }).then(() => { window.location.href = this.href; })";
      return `href="${path}" data-select="${escapeHtml(select)}" onclick="${go}; return false;"`;
    }
    return `href="javascript:;" onclick="window.location.href = this.dataset.target; return false;" data-target="${path}"`;
  }

  #header(): string {
    const { inventoryNavLink, logoutButton } = this.names;
    return `<div id="header"><img src="/ValuesOnline/Content/images/logo.png" alt="J.D. Power" class="logo">
<nav><a href="${escapeHtml(inventoryNavLink)}">Inventory</a></nav>
<a id="${logoutButton}" href="/ValuesOnline/Home/Logout">Log out</a></div>`;
  }

  loginPage(returnUrl: string, message = ''): string {
    const { username, password, loginButton } = this.names;
    return document(
      'Sign in',
      `<div id="loginBox"><h1>ValuesOnline</h1>
${message ? `<div class="validation-summary-errors" role="alert">${escapeHtml(message)}</div>` : ''}
<form method="post" action="${LOGIN_PATH}?ReturnUrl=${encodeURIComponent(returnUrl)}">
<label>User name <input id="${username}" name="username" type="text" autocomplete="username"></label>
<label>Password <input id="${password}" name="password" type="password" autocomplete="current-password"></label>
<input type="hidden" name="ReturnUrl" value="${escapeHtml(returnUrl)}">
<button id="${loginButton}" type="submit">Sign In</button>
</form></div>`,
    );
  }

  licensePage(returnUrl: string, delayMs: number): string {
    const box = `<label><input type="checkbox" id="${this.names.licenseCheckbox}" onchange="acceptLicense(this)"> I agree to the license agreement</label>`;
    return document(
      'License Agreement',
      `${this.#header()}<div id="license"><h1>License Agreement</h1><p>J.D. Power ValuesOnline data is licensed for use by the subscribing dealership only.</p>
<div id="agreementArea"></div></div>
<script>
var returnUrl = ${JSON.stringify(returnUrl)};
function acceptLicense(box) {
  box.disabled = true;
  fetch('/ValuesOnline/Home/AcceptLicense', { method: 'POST' }).then(function (r) { return r.json(); })
    .then(function (data) { window.location.href = data.redirect || returnUrl; });
}
setTimeout(function () { document.getElementById('agreementArea').innerHTML = ${JSON.stringify(box)}; }, ${delayMs});
</script>`,
    );
  }

  gridRows(vehicles: readonly Vehicle[]): string {
    if (vehicles.length === 0)
      return '<tr id="vehicleGridView_DXEmptyRow" class="dxgvEmptyDataRow"><td colspan="8">No data to display</td></tr>';
    const { gridRow, bookoutLink } = this.names;
    return vehicles
      .map(
        (vehicle, index) => `<tr id="${gridRow}${index}" class="dxgvDataRow">
<td class="dxgv"><a id="${bookoutLink}${vehicle.key}" title="Bookout" ${this.#bookoutTarget(vehicle.key)}><img title="Bookout" src="/ValuesOnline/Content/images/book.png" alt=""></a></td>
${GRID_COLUMNS.map(([, get]) => `<td class="dxgv">${escapeHtml(get(vehicle))}</td>`).join('')}</tr>`,
      )
      .join('\n');
  }

  filterBar(filter: GridFilter): string {
    const link = this.names.filterBarLink;
    const active = Object.values(filter).some((value) => value);
    if (!active)
      return `<a class="${link}" href="javascript:;" onclick="vehicleGridView.ShowFilterControl()">Create Filter</a>`;
    const text = Object.entries(filter)
      .filter(([, value]) => value)
      .map(([field, value]) => `[${field}] ${field === 'stockNumber' ? 'Begins with' : '='} '${escapeHtml(value!)}'`)
      .join(' And ');
    return `<span class="dxgvFilterBarText">${text}</span> <a class="${link}" href="javascript:;" onclick="vehicleGridView.ClearFilter()">Clear</a>`;
  }

  inventoryPage(grid: GridView, filter: GridFilter): string {
    const { inventoryNavLink, exportMenu, exportAllColumns, exportCsv, stockNumberInput } = this.names;
    const columns = GRID_COLUMNS.map(([name]) => `<th class="dxgvHeader">${escapeHtml(name)}</th>`).join('');
    return document(
      'Inventory',
      `${this.#header()}
<ul id="primaryMenu" class="dxm-main">
  <li id="primaryMenu_DXI0_" class="dxm-item"><a id="primaryMenu_DXI0_T" href="${escapeHtml(inventoryNavLink)}">Vehicles</a></li>
  <li id="primaryMenu_DXI4_" class="dxm-item"><a id="${exportMenu}" href="javascript:;" onclick="dxMenu.toggle('primaryMenu_DXI4i')">Export</a>
    <ul id="primaryMenu_DXI4i" class="dxm-popup" style="display:none">
      <li><a id="primaryMenu_DXI4i0_T" href="javascript:;">Export Visible Columns</a></li>
      <li><a id="${exportAllColumns}" href="javascript:;" onclick="dxMenu.toggle('primaryMenu_DXI4i1i')">Export All Columns</a>
        <ul id="primaryMenu_DXI4i1i" class="dxm-popup" style="display:none">
          <li><a id="primaryMenu_DXI4i1i0_" href="javascript:;">Export to XLSX</a></li>
          <li><a id="primaryMenu_DXI4i1i1_" href="javascript:;">Export to PDF</a></li>
          <li><a id="${exportCsv}" href="javascript:;" onclick="dxMenu.exportCsv()">Export to CSV</a></li>
        </ul></li>
    </ul></li>
</ul>
<div id="filters"><label>Stock # <input id="${stockNumberInput}" type="text" value="${escapeHtml(filter.stockNumber ?? '')}" onchange="vehicleGridViewFilterChanged('StockNumber')"></label></div>
<div id="vehicleGridView" class="dxgvControl">
<div id="vehicleGridView_LP" class="dxgvLoadingPanel" style="display:none">Loading&hellip;</div>
<div id="vehicleGridView_error" class="dxgvError" style="display:none"></div>
<table class="dxgvTable"><thead><tr><th></th>${columns}</tr></thead>
<tbody id="vehicleGridView_DXMainTable">${grid.rows}</tbody></table>
<div id="vehicleGridView_pager">${grid.pager}</div>
<div id="vehicleGridView_FilterBar" class="dxgvFilterBar">${grid.filterBar}</div>
</div>`,
      '<link rel="stylesheet" href="/ValuesOnline/Content/dx-menu.css"><script src="/ValuesOnline/Scripts/grid.js"></script>',
    );
  }

  vehiclePage(vehicle: Vehicle): string {
    return document(
      `Bookout ${vehicle.ref}`,
      `${this.#header()}
<h1>${escapeHtml(`${vehicle.year} ${vehicle.make} ${vehicle.model} ${vehicle.trim}`)}</h1>
<p>VIN ${escapeHtml(vehicle.vin)} &middot; ${escapeHtml(vehicle.mileage.toLocaleString('en-US'))} miles</p>
<div class="toolbar">
  <button type="button" class="reportButton requiresVehicle" onclick="alert('Select a vehicle first.')">Print Window Sticker</button>
  <button type="button" class="${this.names.reportButton}" onclick="openReports('${escapeHtml(vehicle.key)}')">Print/Email Reports</button>
</div>
<div id="reportModal" class="modal" style="display:none"></div>`,
      '<script src="/ValuesOnline/Scripts/vehicle.js"></script>',
    );
  }

  reportDialog(token: string, popupDelayMs: number): string {
    return `<div class="modal-content"><h2>Print/Email Reports</h2>
<label><input type="checkbox" checked> Bookout Summary</label>
<button type="button" onclick="emailReport()">Email</button>
<button type="button" id="createPdfButton" onclick="createPdf('${escapeHtml(token)}', ${popupDelayMs}, '${this.reportTab}')">${escapeHtml(this.names.createPdf)}</button>
<button type="button" onclick="closeReports()">Close</button></div>`;
  }
}

export function pager(page: number, pages: number): string {
  if (pages <= 1) return '';
  const links = Array.from({ length: pages }, (_, index) =>
    index === page
      ? `<b class="dxp-current">${index + 1}</b>`
      : `<a class="dxp-num" href="javascript:;" onclick="vehicleGridView.GotoPage(${index})">${index + 1}</a>`,
  );
  return `<div class="dxgvPager">${links.join(' ')}</div>`;
}

export function serverErrorPage(): string {
  return document(
    'Runtime Error',
    `<h1>Server Error in '/ValuesOnline' Application.</h1><h2><i>Runtime Error</i></h2>
<p>An application error occurred on the server. The current custom error settings for this application prevent the details of the application error from being viewed remotely.</p>`,
  );
}

export function tooManyRequestsPage(seconds: number): string {
  return document(
    'Too Many Requests',
    `<h1>Too Many Requests</h1><p>Please wait ${seconds} seconds and try again.</p>`,
  );
}

export function serviceUnavailablePage(seconds: number): string {
  return document(
    'Service Unavailable',
    `<h1>Service Unavailable</h1><p>The server is too busy to create the report. Please try again in ${seconds} seconds.</p>`,
  );
}
