// Sending a file to the upload ticket the API handed out: PUT with the given headers (the local
// runner's signed URL) or a presigned S3 POST (every policy field, then the file as `file`).
// XMLHttpRequest, because fetch reports no upload progress.

export interface UploadTicket {
  method: 'PUT' | 'POST';
  url: string;
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  max_bytes?: number;
  expires_at?: string;
}

export function sendFile(ticket: UploadTicket, file: Blob, fileName: string, onProgress: (loaded: number, total: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method, ticket.url);
    let body: Blob | FormData;
    if (ticket.method === 'POST') {
      const form = new FormData();
      for (const [k, v] of Object.entries(ticket.fields ?? {})) form.append(k, v);
      form.append('file', file, fileName);
      body = form;
    } else {
      for (const [k, v] of Object.entries(ticket.headers ?? {})) xhr.setRequestHeader(k, v);
      body = file;
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        reject(new Error(`Unggahan ditolak oleh penyimpanan (kode ${xhr.status}).`));
      }
    };
    xhr.onerror = () => reject(new Error('Unggahan terputus. Periksa koneksi lalu coba lagi.'));
    xhr.onabort = () => reject(new Error('Unggahan dibatalkan.'));
    xhr.send(body);
  });
}
