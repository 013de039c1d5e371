"""Reports: the Excel workbook and (to come) the self-contained HTML report."""
