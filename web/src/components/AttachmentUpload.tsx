import { useState } from 'react';
import { Button, Upload, type UploadFile } from 'antd';
import { CameraOutlined, UploadOutlined } from '@ant-design/icons';
import { ApiError, uploadAttachment } from '../api/client.ts';
import { useT } from '../i18n.tsx';

export const ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,application/pdf,audio/mpeg,audio/wav,video/mp4,.docx,.xlsx';

/**
 * Uploads each chosen file at once (POST /api/attachments) and keeps the ids
 * as the form value, so the action or case that follows references them.
 */
export function AttachmentUpload({
  value,
  onChange,
  photo,
  max = 9,
  id,
}: {
  value?: string[];
  onChange?(ids: string[]): void;
  /** Phone layout: picture cards and the camera. */
  photo?: boolean;
  max?: number;
  id?: string;
}) {
  const t = useT();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const sync = (list: UploadFile[]) => {
    setFiles(list);
    onChange?.(list.filter((f) => f.status === 'done' && f.response?.id).map((f) => f.response.id as string));
  };
  return (
    <Upload
      id={id}
      multiple
      accept={photo ? 'image/*' : ACCEPT}
      listType={photo ? 'picture-card' : 'text'}
      fileList={files}
      maxCount={max}
      customRequest={async ({ file, onSuccess, onError }) => {
        try {
          const a = await uploadAttachment(file as File);
          onSuccess?.(a);
        } catch (err) {
          const msg = err instanceof ApiError ? (err.fieldErrors[0]?.message ?? err.message) : String(err);
          onError?.(Object.assign(new Error(msg), { status: err instanceof ApiError ? err.status : 0 }));
        }
      }}
      onChange={({ fileList }) =>
        sync(
          fileList.map((f) => (f.status === 'error' && f.error ? { ...f, response: f.error.message ?? f.response } : f)),
        )
      }
      data-value={value?.join(',')}
    >
      {files.length >= max ? null : photo ? (
        <button type="button" className="upload-card-button" aria-label={t('添加照片', 'Add photo')}>
          <CameraOutlined style={{ fontSize: 22 }} />
          <div>{t('拍照/相册', 'Photo')}</div>
        </button>
      ) : (
        <Button icon={<UploadOutlined />}>{t('上传附件', 'Upload files')}</Button>
      )}
    </Upload>
  );
}
